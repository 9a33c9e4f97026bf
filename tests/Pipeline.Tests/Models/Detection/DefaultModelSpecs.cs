using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Simulation;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

/// <summary>The shipped <c>models/default</c> loads and tells a simulated leak from normal operation.</summary>
public sealed class DefaultModelSpecs
{
    private static readonly Lazy<ModelBundle> Default = new(() => ModelBundle.Load(Path.Combine(Repository.Root, "models", "default")));

    private static SignalTable Simulate(int seed, FaultSpec? fault, int seconds)
    {
        var pump = new PumpSimulator("p", seed, fault is null ? [] : [fault], setPointChanges: false);
        var rows = Enumerable.Range(0, seconds).Select(t => pump.Step(TimeSpan.FromSeconds(t), TimeSpan.FromSeconds(1))!).ToList();
        return new SignalTable(
            ["flow", "temperature", "pressure", "current"],
            rows.Select(s => new[] { (float)s.Flow, (float)s.Temperature, (float)s.Pressure, (float)s.Current }).ToArray(),
            rows.Select(s => (long)s.Time.TotalMilliseconds).ToArray(),
            rows.Select(s => s.Fault is null ? 0 : 1).ToArray());
    }

    [Fact]
    public void Should_load_with_the_window_and_signals_the_sensors_expect()
    {
        var bundle = Default.Value;

        Assert.Equal(["flow", "temperature", "pressure", "current"], bundle.Manifest.Signals);
        Assert.Equal(60, bundle.Manifest.Window);
        Assert.Equal(13_444, bundle.Architecture.ParameterCount);
    }

    [Fact]
    public void Should_flag_most_of_a_leak_in_steady_operation_and_little_of_the_normal_rows()
    {
        using var detector = new PortableDetector(Default.Value);
        var threshold = Default.Value.Manifest.Threshold.Total;
        var table = Simulate(seed: 77, new FaultSpec(FaultKind.Leak, "p", TimeSpan.FromSeconds(1200), TimeSpan.FromSeconds(300)), seconds: 1800);
        var windows = table.Windows(60, 1, out var count);

        var scores = detector.Score(windows, count);
        var leakFlagged = Enumerable.Range(0, count).Where(k => table.Labels![k + 59] == 1).Average(k => scores[k].Total > threshold ? 1.0 : 0.0);
        var normalFlagged = Enumerable.Range(0, count).Where(k => k + 59 < 1200).Average(k => scores[k].Total > threshold ? 1.0 : 0.0);

        Assert.True(leakFlagged > 0.8, $"leak rows flagged {leakFlagged:P1}");
        Assert.True(normalFlagged < 0.05, $"normal rows flagged {normalFlagged:P1}");
    }
}
