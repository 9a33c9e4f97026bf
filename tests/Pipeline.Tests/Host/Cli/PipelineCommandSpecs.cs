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

        var exit = PipelineCommand.Create().Parse(arguments).Invoke(new InvocationConfiguration { Output = output });

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Description:", output.ToString(), StringComparison.Ordinal);
    }
}
