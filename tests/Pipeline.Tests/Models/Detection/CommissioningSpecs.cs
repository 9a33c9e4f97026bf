using Pipeline.Host.Training;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Simulation;
using Pipeline.Tests.Host.Training;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

public sealed class CommissioningSpecs
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(1200), TrainerSpecs.Small with { Epochs = 3 }));
    private static readonly Lazy<ModelBundle> Default = new(() => ModelBundle.Load(Path.Combine(Repository.Root, "models", "default")));

    /// <summary>The small bundle, as trained on one steady state or on several operating points.</summary>
    private static ModelBundle Trained(string operatingPoints) =>
        new(Bundle.Value.Manifest with { Normal = Bundle.Value.Manifest.Normal! with { OperatingPoints = operatingPoints } }, Bundle.Value.Weights);

    /// <summary>A simulated pump's readings; <paramref name="pressureOffset"/> is added to what its pressure sensor reads.</summary>
    private static SignalTable Pump(int seed, int seconds, bool setPointChanges, float pressureOffset = 0)
    {
        var table = new PumpSimulator("p", seed, setPointChanges: setPointChanges).Record(seconds);
        return table with { Rows = table.Rows.Select(r => new[] { r[0], r[1], r[2] + pressureOffset, r[3] }).ToArray() };
    }

    [Fact]
    public void Should_take_a_sensors_own_mean_and_spread_for_a_model_of_one_operating_point()
    {
        var own = SyntheticPump.Normal(400, seed: 5);
        var flow = own.Rows.Select(r => (double)r[0]).ToArray();

        var calibration = Commissioning.Calibrate("esp32-01", Trained(ModelManifest.OneOperatingPoint), own, DateTimeOffset.UnixEpoch);

        Assert.Equal(flow.Average(), calibration.Mean[0], 2);
        Assert.Equal(Math.Sqrt(flow.Select(f => (f - flow.Average()) * (f - flow.Average())).Average()), calibration.Std[0], 2);
        Assert.Equal(400, calibration.Readings);
    }

    [Fact]
    public void Should_keep_a_quiet_signals_spread_at_no_less_than_a_fifth_of_the_trained_one()
    {
        // The temperature swings by ±0.2 in the training data; during these 400 learning rows it stands still.
        var normal = SyntheticPump.Normal(400, seed: 5);
        var own = normal with { Rows = normal.Rows.Select((r, t) => new[] { r[0], 21f + (0.001f * (t % 2)), r[2], r[3] }).ToArray() };

        var calibration = Commissioning.Calibrate("esp32-01", Trained(ModelManifest.OneOperatingPoint), own, DateTimeOffset.UnixEpoch);

        Assert.Equal(0.2 * Bundle.Value.Manifest.Scaler.Std[1], calibration.Std[1], 4);
    }

    [Theory]
    [InlineData(ModelManifest.OneOperatingPoint)]
    [InlineData(ModelManifest.SeveralOperatingPoints)]
    public void Should_set_the_threshold_at_the_largest_deviation_of_the_learning_windows(string operatingPoints)
    {
        var model = Trained(operatingPoints);
        var own = SyntheticPump.Normal(400, seed: 5);

        var calibration = Commissioning.Calibrate("esp32-01", model, own, DateTimeOffset.UnixEpoch);

        var scaled = new ModelBundle(model.Manifest with { Scaler = new ModelManifest.ScalerSection(calibration.Mean, calibration.Std) }, model.Weights);
        using var detector = new PortableDetector(scaled);
        var windows = own.Windows(model.Manifest.Window, 1, out var count);
        var largest = detector.Score(windows, count).Max(s => calibration.Deviation(s, new float[4]));
        var heldOut = model.Manifest.Normal!.LargestDeviation;
        var expected = operatingPoints == ModelManifest.OneOperatingPoint ? largest : Math.Max(largest, heldOut);
        Assert.Equal(expected, calibration.Threshold, 3);
    }

    [Theory]
    [InlineData(ModelManifest.OneOperatingPoint, 1.0)]
    [InlineData(ModelManifest.SeveralOperatingPoints, 2.0)]
    public void Should_widen_each_residual_spread_by_the_models_held_out_spread(string operatingPoints, double lambda)
    {
        var model = Trained(operatingPoints);
        var own = SyntheticPump.Normal(400, seed: 5);

        var calibration = Commissioning.Calibrate("esp32-01", model, own, DateTimeOffset.UnixEpoch);

        var modelSpread = model.Manifest.Normal!.ResidualSpread;
        Assert.All(Enumerable.Range(0, 4), f => Assert.True(calibration.ResidualSpread[f] >= (lambda * modelSpread[f]) - 1e-6,
            $"signal {f}: {calibration.ResidualSpread[f]} < {lambda} x {modelSpread[f]}"));
    }

    [Fact]
    public void Should_keep_the_models_scaler_for_a_sensor_at_another_operating_point_the_model_knows()
    {
        // Seed 13 runs at one set point during its 400 learning readings, well away from the fleet's average.
        var run = Pump(seed: 13, seconds: 400, setPointChanges: true);

        var calibration = Commissioning.Calibrate("esp32-01", Default.Value, run, DateTimeOffset.UnixEpoch);

        Assert.Equal(Default.Value.Manifest.Scaler.Mean, calibration.Mean);
        Assert.Equal(Default.Value.Manifest.Scaler.Std, calibration.Std);
        var ownFlow = run.Rows.Average(r => r[0]);
        Assert.True(Math.Abs(ownFlow - Default.Value.Manifest.Scaler.Mean[0]) > 5, $"own flow {ownFlow}: not another operating point");
    }

    [Fact]
    public void Should_take_out_an_offset_the_model_cannot_explain_on_that_signal_alone()
    {
        // A pressure sensor that reads 1.2 bar (about two trained standard deviations) high.
        var run = Pump(seed: 4, seconds: 400, setPointChanges: false, pressureOffset: 1.2f);

        var calibration = Commissioning.Calibrate("esp32-01", Default.Value, run, DateTimeOffset.UnixEpoch);

        var moved = calibration.Mean.Zip(Default.Value.Manifest.Scaler.Mean, (own, trained) => own - trained).ToArray();
        Assert.Equal(1.2, moved[2], 0.05);
        Assert.Equal([0f, 0f, 0f], [moved[0], moved[1], moved[3]]);
    }

    [Fact]
    public void Should_score_a_sensor_without_an_offset_once_per_learning_window_and_once_per_sampled_window()
    {
        // #17: the offset search's five candidates each scored the model's own centre again, and a fresh node's
        // hundred sensors spent about a third of their calibrations' windows on it.
        var run = Pump(seed: 7, seconds: 400, setPointChanges: false);
        var scored = 0;

        var calibration = Commissioning.Calibrate("esp32-01", Default.Value, run, DateTimeOffset.UnixEpoch,
            bundle => new CountingScorer(new PortableDetector(bundle), count => scored += count));

        Assert.Equal(Default.Value.Manifest.Scaler.Mean, calibration.Mean);
        var learningWindows = 400 - Default.Value.Manifest.Window + 1;
        var sampled = ((learningWindows - 1) / (learningWindows / 32)) + 1;
        Assert.Equal(learningWindows + sampled, scored);
    }

    private sealed class CountingScorer(IWindowScorer inner, Action<int> scored) : IWindowScorer
    {
        public string Backend => inner.Backend;

        public WindowScore[] Score(ReadOnlySpan<float> windows, int count)
        {
            scored(count);
            return inner.Score(windows, count);
        }

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public void Should_doubt_a_calibration_learned_through_a_fault_and_trust_one_learned_in_normal_operation()
    {
        // #20: a sensor that learned through something abnormal got a threshold it could never reach, and nobody said so.
        var leaking = new PumpSimulator("p", 1, [new FaultSpec(FaultKind.Leak, "p", TimeSpan.FromSeconds(200), TimeSpan.FromSeconds(300))]).Record(400);

        var normal = Commissioning.Calibrate("esp32-01", Default.Value, Pump(seed: 1001, seconds: 400, setPointChanges: true), DateTimeOffset.UnixEpoch);
        var doubtful = Commissioning.Calibrate("esp32-01", Default.Value, leaking, DateTimeOffset.UnixEpoch);

        Assert.Null(normal.Doubt(Default.Value.Manifest));
        Assert.Contains("was probably not normal operation", doubtful.Doubt(Default.Value.Manifest), StringComparison.Ordinal);
        Assert.Contains("pipeline sensors recommission esp32-01", doubtful.Doubt(Default.Value.Manifest), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_too_few_rows_for_two_windows()
    {
        var error = Assert.Throws<ArgumentException>(() => Commissioning.Calibrate("esp32-01", Bundle.Value, SyntheticPump.Normal(10), DateTimeOffset.UnixEpoch));

        Assert.Contains("commissioning needs more than 20 rows (the model's window), got 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_rows_that_rows_left_out_split_into_runs_shorter_than_a_window()
    {
        var pump = SyntheticPump.Normal(200);
        var split = (pump with { Labels = [.. Enumerable.Range(0, pump.Count).Select(r => r % 10 == 0 ? 1 : 0)] }).NormalRows();

        var error = Assert.Throws<ArgumentException>(() => Commissioning.Recalibrate(Bundle.Value, split));

        Assert.Equal("commissioning needs 20 rows in a row (the model's window): the 180 rows left are split by rows left out into shorter runs", error.Message);
    }

    [Fact]
    public void Should_refit_a_bundle_to_new_normal_data_keeping_its_weights()
    {
        var own = SyntheticPump.Normal(600, seed: 9);

        var refitted = Commissioning.Recalibrate(Bundle.Value, own);

        Assert.Equal(Bundle.Value.Weights["output.bias"], refitted.Weights["output.bias"]);
        Assert.NotEqual(Bundle.Value.Manifest.Normal!.ResidualSpread, refitted.Manifest.Normal!.ResidualSpread);
        Assert.Equal(Bundle.Value.Manifest.Threshold.Quantile, refitted.Manifest.Threshold.Quantile);
    }

    [Fact]
    public void Should_leave_out_a_row_with_an_unreadable_cell_when_refitting()
    {
        var own = SyntheticPump.Normal(600, seed: 9);
        var rows = own.Rows.Select(r => (float[])r.Clone()).ToArray();
        rows[300][2] = float.NaN; // an empty cell in a file of new normal data

        var refitted = Commissioning.Recalibrate(Bundle.Value, own with { Rows = rows });

        Assert.All(refitted.Manifest.Scaler.Mean.Concat(refitted.Manifest.Scaler.Std), v => Assert.True(float.IsFinite(v)));
        Assert.True(double.IsFinite(refitted.Manifest.Threshold.Total), $"threshold {refitted.Manifest.Threshold.Total}");
    }
}
