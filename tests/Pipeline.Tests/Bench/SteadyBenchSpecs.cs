using System.Text.RegularExpressions;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Bench;

/// <summary>
/// bench/steady.sh, short and small, with the binary under test: the harness runs start to finish, every reading is
/// stored, and each 10-second line carries every figure it promises. Its numbers are not checked here — timing goals
/// belong to the benchmark, not to tests.
/// </summary>
[Trait("Category", "Process")]
public sealed partial class SteadyBenchSpecs
{
    [Fact]
    public async Task Should_run_a_short_steady_load_and_print_every_figure_per_interval()
    {
        var (exitCode, output) = await CommandLine.RunAsync("bash",
            [Path.Combine(Repository.Root, "bench", "steady.sh"), "--seconds", "12", "--devices", "3", "--rate", "5", "--snapshot-persistence",
             "--pipeline", Path.Combine(AppContext.BaseDirectory, "pipeline")]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("stored 180 of 180 readings", output, StringComparison.Ordinal);
        Assert.NotEmpty(IntervalLine().Matches(output));
    }

    // t, node CPU, stored, CPU, bytes allocated and bytes written to disk per reading (or - when none was stored), broker
    // CPU, RSS, heap, in flight.
    [GeneratedRegex(@"^\s+\d+\s+\d+%\s+\d+\s+(\d+|-) us\s+(\d+|-) B\s+(\d+|-) B\s+\d+%\s+\d+ MB\s+\d+ MB\s+\d+$", RegexOptions.Multiline)]
    private static partial Regex IntervalLine();
}
