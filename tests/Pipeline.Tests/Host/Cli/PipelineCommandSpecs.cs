using System.CommandLine;
using Pipeline.Host.Cli;

namespace Pipeline.Tests.Host.Cli;

public sealed class PipelineCommandSpecs
{
    public static TheoryData<string> EveryCommand()
    {
        var paths = new TheoryData<string>();
        void Visit(Command command, string path)
        {
            paths.Add(path);
            foreach (var child in command.Subcommands)
            {
                Visit(child, (path + " " + child.Name).Trim());
            }
        }

        Visit(PipelineCommand.Create(), string.Empty);
        return paths;
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void Should_describe_every_command_and_option_in_its_help(string path)
    {
        using var output = new StringWriter();
        var arguments = path.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("--help").ToArray();
        var command = arguments[..^1].Aggregate((Command)PipelineCommand.Create(), (c, name) => c.Subcommands.Single(s => s.Name == name));

        var exit = PipelineCommand.Create().Parse(arguments).Invoke(new InvocationConfiguration { Output = output });

        var help = output.ToString();
        Assert.Equal(0, exit);
        Assert.False(string.IsNullOrWhiteSpace(command.Description), $"'{path}' has no description");
        foreach (var option in command.Options.Where(o => o.Name is not ("--help" or "-h" or "-?" or "--version")))
        {
            Assert.False(string.IsNullOrWhiteSpace(option.Description), $"'{path} {option.Name}' has no description");
            Assert.Contains(option.Name, help, StringComparison.Ordinal);
        }

        foreach (var argument in command.Arguments)
        {
            Assert.False(string.IsNullOrWhiteSpace(argument.Description), $"'{path}' argument {argument.Name} has no description");
        }
    }
}
