namespace Pipeline.Tests.Support;

/// <summary>Runs the openssl command line, as an independent check of what our own code produced.</summary>
public static class Openssl
{
    public static Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, params string[] arguments) =>
        CommandLine.RunAsync("openssl", arguments, workingDirectory);
}
