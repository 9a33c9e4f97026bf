using Pipeline.Tests.Support;

namespace Pipeline.Tests.Deploy;

/// <summary>deploy/install.sh's own command line, before it touches anything (it needs root and a real machine after that).</summary>
public sealed class InstallScriptSpecs
{
    private static readonly string Script = Path.Combine(Repository.Root, "deploy", "install.sh");

    [Fact]
    public void Should_print_its_usage_for_help_instead_of_taking_it_for_the_publish_folder()
    {
        var (exitCode, output) = CommandLine.Run("bash", Script, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("usage: sudo install.sh PUBLISH_DIR", output, StringComparison.Ordinal);
        Assert.Contains("--self-contained true", output, StringComparison.Ordinal); // it installs no .NET runtime
    }

    [Fact]
    public void Should_refuse_to_run_without_a_publish_folder()
    {
        var (exitCode, output) = CommandLine.Run("bash", Script);

        Assert.Equal(2, exitCode);
        Assert.Contains("usage:", output, StringComparison.Ordinal);
    }
}
