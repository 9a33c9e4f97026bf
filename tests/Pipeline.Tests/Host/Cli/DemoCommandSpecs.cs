using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>
/// The README's first command as a user runs it: certificates, embedded broker, node and simulated pumps (which change
/// set points) in one process; the scripted leak is raised and cleared, the scripted cavitation raises a pulsation
/// alarm, no other anomaly is raised, and SIGTERM (as a terminal's Ctrl-C or systemd) stops it cleanly.
/// </summary>
[Trait("Category", "Process")]
public sealed class DemoCommandSpecs : IDisposable
{
    private static readonly TimeSpan TwoMinutes = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _folder = new("pipeline-demo-spec");

    [Fact]
    public async Task Should_raise_and_clear_the_scripted_leak_alarm_within_two_minutes_and_stop_on_sigterm()
    {
        await using var demo = NodeProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "pipeline.dll"), "demo", "--dir", _folder.Path], null);

        await demo.WaitForOutputAsync("Alarm esp32-02/anomaly raised", TwoMinutes);
        await demo.WaitForOutputAsync("Alarm esp32-02/anomaly cleared", TwoMinutes);
        await demo.WaitForOutputAsync("Alarm esp32-01/pulsation raised", TwoMinutes);
        var exitCode = await demo.StopAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        Assert.Contains("Alarm esp32-02/anomaly cleared", demo.Output, StringComparison.Ordinal);
        Assert.Contains("possible leak", demo.Output, StringComparison.Ordinal);
        Assert.Contains("possible cavitation", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("esp32-01/anomaly", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("esp32-03/anomaly", demo.Output, StringComparison.Ordinal);
        Assert.Contains($"Stopped. Store: {Path.Combine(_folder.Path, "pipeline.db")}", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_a_negative_length_instead_of_running_until_stopped_and_a_file_for_its_folder()
    {
        var file = Path.Combine(_folder.Path, "notes.txt");
        File.WriteAllText(file, "not a folder");

        var demo = await PipelineCli.RunAsync("demo", "--seconds", "-1", "--dir", _folder.Path);
        var inFile = await PipelineCli.RunAsync("demo", "--seconds", "5", "--dir", file);

        Assert.Equal((1, "error: --seconds -1: give 0 (run until Ctrl-C) or more"), (demo.ExitCode, demo.Stderr.Trim()));
        Assert.Equal((1, $"error: --dir '{file}' is a file: give a folder (it is made when missing) for the demo's certificates and database"), (inFile.ExitCode, inFile.Stderr.Trim()));
    }

    public void Dispose() => _folder.Dispose();
}
