using Pipeline.Models.Alarms;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Simulation;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

/// <summary>The shipped <c>models/default</c> loads and tells a simulated leak from normal operation.</summary>
public sealed class DefaultModelSpecs
{
    private static readonly Lazy<ModelBundle> Default = new(() => ModelBundle.Load(Path.Combine(Repository.Root, "models", "default")));

    private static SignalTable Simulate(int seed, FaultSpec? fault, int seconds, bool setPointChanges = false) =>
        new PumpSimulator("p", seed, fault is null ? [] : [fault], setPointChanges).Record(seconds);

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

    [Theory]
    [InlineData(FaultKind.Leak, "possible leak")]
    [InlineData(FaultKind.Blockage, "possible blockage")]
    [InlineData(FaultKind.Bearing, "pump or motor")]
    public void Should_hint_at_the_fault_from_which_way_each_signal_is_off_from_what_the_model_expected(FaultKind fault, string hint)
    {
        // Seed 2 changes its set point before the fault: its pressure during the leak is above the fleet's average,
        // but below what the model expects at that operating point. Commissioned on its first 300 readings, as a node does.
        var table = Simulate(seed: 2, new FaultSpec(fault, "p", TimeSpan.FromSeconds(1200), TimeSpan.FromSeconds(300)), seconds: 1500, setPointChanges: true);
        var commissioned = Commissioning.Calibrate(Default.Value, table.Slice(0, 300), CommissioningRule.ForNode(Default.Value));
        using var detector = new PortableDetector(commissioned);
        var windows = table.Windows(60, 1, out var count);
        var threshold = commissioned.Manifest.Threshold.Total;

        var scores = detector.Score(windows, count);
        var hints = Enumerable.Range(1200 + 30 - 59, count - (1200 + 30 - 59))
            .Where(k => scores[k].Total > threshold)
            .Select(k => CauseHint.Describe(commissioned.Manifest.Signals, scores[k].PerSignal, scores[k].Residual, threshold))
            .ToList();

        Assert.NotEmpty(hints);
        Assert.True(hints.Count(h => h.Contains(hint, StringComparison.Ordinal)) > 0.9 * hints.Count, string.Join(Environment.NewLine, hints.GroupBy(h => h).Select(g => $"{g.Count()} x {g.Key}")));
    }
}
