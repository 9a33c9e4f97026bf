using System.Diagnostics;

namespace Pipeline.Tests.Support;

/// <summary>Runs a program to its end and returns its exit code and its output (stdout, then stderr).</summary>
public static class CommandLine
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    public static (int ExitCode, string Output) Run(string program, params string[] arguments) =>
        RunAsync(program, arguments).GetAwaiter().GetResult();
}
