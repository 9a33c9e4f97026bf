using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Simulation;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

public sealed class CommissioningSpecs
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(1200), TrainerSpecs.Small with { Epochs = 3 }));
    private static readonly Lazy<ModelBundle> Default = new(() => ModelBundle.Load(Path.Combine(Repository.Root, "models", "default")));

    /// <summary>A simulated pump's readings; <paramref name="pressureOffset"/> is added to what its pressure sensor reads.</summary>
    private static SignalTable Pump(int seed, int seconds, bool setPointChanges, float pressureOffset = 0)
    {
        var table = new PumpSimulator("p", seed, setPointChanges: setPointChanges).Record(seconds);
        return table with { Rows = table.Rows.Select(r => new[] { r[0], r[1], r[2] + pressureOffset, r[3] }).ToArray() };
    }

    /// <summary>Commissions the default model on the first <paramref name="learning"/> rows; scores every window against the result's threshold.</summary>
    private static (float[] Scores, float Threshold, ModelBundle Commissioned) CommissionAndScore(SignalTable run, int learning, CommissioningRule rule)
    {
        var commissioned = Commissioning.Calibrate(Default.Value, run.Slice(0, learning), rule);
        using var detector = new PortableDetector(commissioned);
        var windows = run.Windows(60, 1, out var count);
        return (detector.Score(windows, count).Select(s => s.Total).ToArray(), commissioned.Manifest.Threshold.Total, commissioned);
    }

    [Fact]
    public void Should_keep_later_set_point_changes_normal_with_the_nodes_rule_where_the_sensors_own_mean_would_alarm()
    {
        // Seed 13: the pump runs at one set point during its 300 learning readings and changes it four times after.
        var run = Pump(seed: 13, seconds: 3000, setPointChanges: true);
        var node = CommissioningRule.ForNode(Default.Value);

        var (scores, threshold, commissioned) = CommissionAndScore(run, 300, node);
        var (ownMeanScores, ownMeanThreshold, _) = CommissionAndScore(run, 300, node with { ScalerFit = ScalerFit.Refit });

        Assert.True(scores.Max() < threshold, $"max {scores.Max():F3}, threshold {threshold:F3}");
        Assert.True(ownMeanScores.Max() > ownMeanThreshold, $"own mean: max {ownMeanScores.Max():F3}, threshold {ownMeanThreshold:F3}");
        var trained = Default.Value.Manifest.Scaler;
        var ownFlow = run.Slice(0, 300).Rows.Average(r => r[0]);
        Assert.True(Math.Abs(commissioned.Manifest.Scaler.Mean[0] - trained.Mean[0]) < 0.1 * Math.Abs(ownFlow - trained.Mean[0]));
    }

    [Fact]
    public void Should_take_out_an_offset_the_model_cannot_explain_with_the_nodes_rule()
    {
        // A pressure sensor that reads 1.2 bar (about two trained standard deviations) high: the model's own
        // calibration flags most of its windows; commissioned by the node's rule, none.
        var run = Pump(seed: 4, seconds: 1200, setPointChanges: false, pressureOffset: 1.2f);
        using var model = new PortableDetector(Default.Value);
        var windows = run.Windows(60, 1, out var count);
        var flaggedByModel = model.Score(windows, count).Average(s => s.Total > Default.Value.Manifest.Threshold.Total ? 1.0 : 0.0);

        var (scores, threshold, commissioned) = CommissionAndScore(run, 300, CommissioningRule.ForNode(Default.Value));

        Assert.True(flaggedByModel > 0.5, $"flagged by the model's calibration {flaggedByModel:P0}");
        Assert.True(scores.Max() < threshold, $"max {scores.Max():F3}, threshold {threshold:F3}");
        Assert.Equal(Default.Value.Manifest.Threshold.Total, threshold); // its learning windows score like the fleet's
        var moved = commissioned.Manifest.Scaler.Mean.Zip(Default.Value.Manifest.Scaler.Mean, (own, trained) => own - trained).ToArray();
        Assert.Equal(1.2, moved[2], 0.05); // the offset, found on the pressure alone
        Assert.Equal([0f, 0f, 0f], [moved[0], moved[1], moved[3]]);
    }

    [Fact]
    public void Should_take_the_sensors_own_mean_and_spread()
    {
        var own = SyntheticPump.Normal(400, seed: 5);
        var flow = own.Rows.Select(r => (double)r[0]).ToArray();

        var commissioned = Commissioning.Calibrate(Bundle.Value, own, new CommissioningRule(SpreadFloor: 0));

        Assert.Equal(flow.Average(), commissioned.Manifest.Scaler.Mean[0], 2);
        Assert.Equal(Math.Sqrt(flow.Select(f => (f - flow.Average()) * (f - flow.Average())).Average()), commissioned.Manifest.Scaler.Std[0], 2);
        Assert.Equal(Bundle.Value.Weights["output.bias"], commissioned.Weights["output.bias"]);
    }

    [Fact]
    public void Should_keep_a_quiet_signals_spread_at_no_less_than_the_floor_times_the_trained_spread()
    {
        // The temperature swings by ±0.2 in the training data; during these 400 commissioning rows it stands still.
        var normal = SyntheticPump.Normal(400, seed: 5);
        var own = normal with { Rows = normal.Rows.Select((r, t) => new[] { r[0], 21f + (0.001f * (t % 2)), r[2], r[3] }).ToArray() };
        var trained = Bundle.Value.Manifest.Scaler.Std[1];

        var commissioned = Commissioning.Calibrate(Bundle.Value, own, new CommissioningRule(SpreadFloor: 0.9));

        Assert.Equal(0.9 * trained, commissioned.Manifest.Scaler.Std[1], 4);
    }

    [Fact]
    public void Should_calibrate_the_threshold_on_the_sensors_own_windows()
    {
        var own = SyntheticPump.Normal(400, seed: 5);

        var commissioned = Commissioning.Calibrate(Bundle.Value, own, new CommissioningRule(Quantile: 1.0));

        using var detector = new PortableDetector(commissioned);
        var windows = own.Windows(commissioned.Manifest.Window, 1, out var count);
        Assert.Equal(detector.Score(windows, count).Max(s => s.Total), commissioned.Manifest.Threshold.Total, 4);
    }

    [Fact]
    public void Should_not_go_below_the_floor_times_the_models_threshold()
    {
        var own = SyntheticPump.Normal(400, seed: 5);
        var model = Bundle.Value.Manifest.Threshold;

        var unfloored = Commissioning.Calibrate(Bundle.Value, own, new CommissioningRule(ThresholdFloor: 0)).Manifest.Threshold;
        var floored = Commissioning.Calibrate(Bundle.Value, own, new CommissioningRule(ThresholdFloor: 100)).Manifest.Threshold;

        Assert.True(unfloored.Total < 100 * model.Total);
        Assert.Equal(100 * model.Total, floored.Total, 3);
        Assert.Equal(0.75 * floored.Total, floored.Clear, 3);
        Assert.Equal(model.PerSignal.Select(p => 100.0 * p), floored.PerSignal.Select(p => (double)p), new ToleranceComparer(1e-3));
        Assert.Contains("no lower than 100 x the model's", floored.Rule, StringComparison.Ordinal);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void Should_refuse_too_few_rows_for_one_window()
    {
        var error = Assert.Throws<ArgumentException>(() => Commissioning.Calibrate(Bundle.Value, SyntheticPump.Normal(10), new CommissioningRule()));

        Assert.Contains("commissioning needs more than 20 rows, got 10", error.Message);
    }
}
