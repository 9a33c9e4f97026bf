using System.Text.Json;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Bench;

/// <summary>
/// bench/e2e.sh in its quick form, with the binary under test: the harness runs start to finish and writes every
/// figure it promises. Its numbers are not checked here — timing goals belong to the benchmark, not to tests.
/// </summary>
[Trait("Category", "Process")]
public sealed class EndToEndBenchSpecs : IDisposable
{
    private readonly TempDirectory _results = new();

    [Fact]
    public async Task Should_run_the_quick_harness_and_write_every_figure_to_its_json()
    {
        var (exitCode, output) = await CommandLine.RunAsync("bash",
            [Path.Combine(Repository.Root, "bench", "e2e.sh"), "--quick", "--results", _results.Path, "--pipeline", Path.Combine(AppContext.BaseDirectory, "pipeline")]);

        Assert.True(exitCode == 0, output);
        var json = JsonDocument.Parse(File.ReadAllText(Assert.Single(Directory.GetFiles(_results.Path, "e2e-*.json")))).RootElement;
        foreach (var figure in new[] { "baseline_msgs_per_s", "node_msgs_per_s", "ratio", "p99_ms_at_1000", "node_p99_ms_at_1000", "rss_mb", "p99_ms_at_10000", "disk_bytes_per_reading_at_1000" })
        {
            Assert.True(json.GetProperty(figure).GetDouble() > 0, $"{figure}: {json.GetProperty(figure)}");
        }

        // A quick run's second half can pass between two polls of the meters: its figures may be 0, but they are there.
        var warm = json.GetProperty("second_half");
        foreach (var figure in new[] { "node_msgs_per_s", "cpu_us_per_reading", "bytes_allocated_per_reading" })
        {
            Assert.True(warm.GetProperty(figure).GetDouble() >= 0, $"second half's {figure}: {warm.GetProperty(figure)}");
        }

        Assert.Contains(warm.GetProperty("published_before").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });

        // Each process's CPU per message: the publisher's and the subscriber's from bash's `times` once they exited.
        var cpu = json.GetProperty("cpu_us_per_message");
        foreach (var (run, process) in new[] { ("baseline", "broker"), ("baseline", "publisher"), ("baseline", "subscriber"), ("node_run", "broker"), ("node_run", "publisher"), ("node_run", "node") })
        {
            Assert.True(cpu.GetProperty(run).GetProperty(process).GetDouble() > 0, $"{run} {process}: {cpu.GetProperty(run).GetProperty(process)}");
        }

        Assert.True(cpu.GetProperty("baseline").GetProperty("cores_busy").GetDouble() > 0);
        _ = json.GetProperty("node_budget_us_at_ratio_0_8").GetDouble(); // may be negative on a slow quick run, but it is there

        Assert.Equal(100, json.GetProperty("fleets")[0].GetProperty("sensors").GetInt32());
        Assert.Equal(0, json.GetProperty("node_dropped_by_broker").GetInt32()); // 2,000 messages never wait 65,535 deep
        Assert.Matches("^[0-9a-f]{40}$", json.GetProperty("commit").GetString());
        Assert.Contains("ratio node / broker", output, StringComparison.Ordinal);
    }

    public void Dispose() => _results.Dispose();
}
