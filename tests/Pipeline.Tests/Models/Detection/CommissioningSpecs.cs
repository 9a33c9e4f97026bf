using Pipeline.Models.Detection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

public sealed class CommissioningSpecs
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(1200), TrainerSpecs.Small with { Epochs = 3 }));

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
