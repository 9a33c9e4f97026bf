using Pipeline.Host.Training;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Tests.Host.Training;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

public sealed class SensorDetectorSpecs
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(1200), TrainerSpecs.Small with { Epochs = 3 }));

    /// <summary>Feeds the rows as a node does (prepare the due window, then observe its newest row); returns what was prepared and the rows learned, if learning ended.</summary>
    private static (List<PreparedWindow> Prepared, Pipeline.Models.Data.SignalTable? Learned) Feed(SensorDetector detector, Pipeline.Models.Data.SignalTable table, int from = 0)
    {
        var window = Bundle.Value.Manifest.Window;
        var prepared = new List<PreparedWindow>();
        for (var row = from; row < table.Count; row++)
        {
            if (row >= window - 1)
            {
                var values = table.Rows[(row - window + 1)..(row + 1)].SelectMany(r => r).ToArray();
                prepared.Add(detector.Prepare(new SensorWindow("esp32-01", table.Signals, window, values, row - window + 1, row, 0, 0)));
            }

            if (detector.Observe(table.Rows[row]) is { } learned)
            {
                return (prepared, learned.ToTable());
            }
        }

        return (prepared, null);
    }

    [Fact]
    public void Should_learn_for_its_learning_period_then_hand_over_exactly_those_rows_once()
    {
        var detector = new SensorDetector("esp32-01", Bundle.Value, learningReadings: 100);
        var table = SyntheticPump.Normal(150, seed: 4);

        var (prepared, learned) = Feed(detector, table);

        Assert.NotNull(learned);
        Assert.Equal(table.Rows[..100], learned.Rows);
        Assert.All(prepared, p => Assert.True(p.Learning));
        Assert.Null(detector.Observe(table.Rows[100])); // handed over once; no second fit while the first runs
    }

    [Fact]
    public void Should_hand_over_rows_that_the_rows_learned_while_the_fit_runs_leave_as_they_were()
    {
        var detector = new SensorDetector("esp32-01", Bundle.Value, learningReadings: 100);
        var table = SyntheticPump.Normal(400, seed: 5);
        LearnedRows? learned = null;
        for (var row = 0; row < 100; row++)
        {
            learned = detector.Observe(table.Rows[row]);
        }

        for (var row = 100; row < table.Count; row++) // the learning store grows past its period while the fit runs
        {
            Assert.Null(detector.Observe(table.Rows[row]));
        }

        Assert.NotNull(learned);
        Assert.Equal(100, learned.Count);
        Assert.Equal(table.Rows[..100], learned.ToTable().Rows);
        Assert.Equal(400, detector.Learned);
    }

    [Fact]
    public void Should_judge_windows_prepared_after_the_calibration_by_it_and_those_before_as_learning()
    {
        var detector = new SensorDetector("esp32-01", Bundle.Value, learningReadings: 100);
        var table = SyntheticPump.Normal(150, seed: 4);
        var (before, learned) = Feed(detector, table.Slice(0, 100));
        var calibration = Commissioning.Calibrate("esp32-01", Bundle.Value, learned!, DateTimeOffset.UnixEpoch);

        detector.Calibrate(calibration);
        var after = detector.Prepare(new SensorWindow("esp32-01", table.Signals, 20, table.Rows[81..101].SelectMany(r => r).ToArray(), 81, 100, 0, 0));

        Assert.Equal(SensorCalibration.Provisional("esp32-01", Bundle.Value), before[^1].Calibration with { }, new CalibrationComparer());
        Assert.False(after.Learning);
        Assert.Same(calibration, after.Calibration);
        using var network = new PortableDetector(Bundle.Value);
        var verdict = SensorDetector.Judge(after, network.Score(after.Values, 1)[0], table.Signals);
        Assert.Equal((calibration.Threshold, false), (verdict.Threshold, verdict.Learning));
    }

    [Fact]
    public void Should_carry_the_level_shift_a_leak_completes_on_its_window_when_its_model_is_of_one_operating_point()
    {
        var manifest = Bundle.Value.Manifest;
        var steady = new ModelBundle(manifest with { Normal = manifest.NormalOrAssumed with { OperatingPoints = ModelManifest.OneOperatingPoint } }, Bundle.Value.Weights);
        var several = new ModelBundle(manifest with { Normal = manifest.NormalOrAssumed with { OperatingPoints = ModelManifest.SeveralOperatingPoints } }, Bundle.Value.Weights);
        var table = SyntheticPump.Normal(600, seed: 4, leakFrom: 500);

        var (watched, shifts) = Shifts(steady, table);
        var (unwatched, none) = Shifts(several, table);

        Assert.NotNull(watched.Levels);
        Assert.NotEmpty(shifts);
        Assert.InRange(shifts[0].Row, 500, 500 + LevelShiftWatch.RecentRows - 1); // within seconds, not a window later
        Assert.Contains(shifts[0].Shift.Signal, new[] { "pressure", "flow" });
        Assert.All(shifts, s => Assert.True(s.Row >= 500)); // the demand's swings in normal operation are not shifts
        Assert.Null(unwatched.Levels);
        Assert.Empty(none);
    }

    [Fact]
    public void Should_watch_levels_again_after_a_restart_once_it_has_seen_the_watchs_readings_anew()
    {
        var manifest = Bundle.Value.Manifest;
        var steady = new ModelBundle(manifest with { Normal = manifest.NormalOrAssumed with { OperatingPoints = ModelManifest.OneOperatingPoint } }, Bundle.Value.Weights);
        var table = SyntheticPump.Normal(600, seed: 4, leakFrom: 500);
        var (stored, _) = Shifts(steady, table);

        // A restarted sensor: its stored calibration, and only the readings from 420 on (nothing of the watch's ring survives).
        var restarted = new SensorDetector("esp32-01", steady, learningReadings: 400, stored);
        var (judged, learned) = Feed(restarted, table.Slice(420, 180));
        var shifts = judged.Where(p => p.Shift is not null).Select(p => p.Window.LastSequence + 420).ToList();

        Assert.Null(learned);
        Assert.NotEmpty(shifts);
        Assert.InRange(shifts[0], 500, 500 + LevelShiftWatch.RecentRows - 1);
    }

    /// <summary>Learns on the first 400 rows, calibrates, judges the rest; the calibration and the rows whose window carried a shift.</summary>
    private static (SensorCalibration Calibration, List<(int Row, LevelShift Shift)> Shifts) Shifts(ModelBundle model, Pipeline.Models.Data.SignalTable table)
    {
        var detector = new SensorDetector("esp32-01", model, learningReadings: 400);
        var (_, learned) = Feed(detector, table.Slice(0, 400));
        var calibration = Commissioning.Calibrate("esp32-01", model, learned!, DateTimeOffset.UnixEpoch);
        detector.Calibrate(calibration);
        var (judged, _) = Feed(detector, table, from: 400);
        return (calibration, [.. judged.Where(p => p.Shift is not null).Select(p => ((int)p.Window.LastSequence, p.Shift!))]);
    }

    [Fact]
    public void Should_not_learn_when_learning_is_off_and_judge_by_the_models_own_calibration()
    {
        var detector = new SensorDetector("esp32-01", Bundle.Value, learningReadings: 0);

        var (prepared, learned) = Feed(detector, SyntheticPump.Normal(60, seed: 4));

        Assert.Null(learned);
        Assert.All(prepared, p => Assert.False(p.Learning));
        Assert.All(prepared, p => Assert.Equal(Bundle.Value.Manifest.Normal!.LargestDeviation, p.Calibration.Threshold));
    }

    [Fact]
    public void Should_start_from_a_stored_calibration_of_its_model_and_ignore_one_of_another()
    {
        var stored = Commissioning.Calibrate("esp32-01", Bundle.Value, SyntheticPump.Normal(100, seed: 4), DateTimeOffset.UnixEpoch);

        var own = new SensorDetector("esp32-01", Bundle.Value, 100, stored);
        var other = new SensorDetector("esp32-01", Bundle.Value, 100, stored with { ModelVersion = "other@1" });

        Assert.False(own.IsLearning);
        Assert.True(other.IsLearning);
    }

    [Fact]
    public void Should_rescale_a_sensors_values_to_the_models_scaler()
    {
        var calibration = SensorCalibration.Provisional("esp32-01", Bundle.Value) with { Mean = [100, 20, 4, 8], Std = [10, 1, 0.1f, 0.5f] };
        var model = Bundle.Value.Manifest.Scaler;
        var values = new float[] { 110, 20, 4, 8 };

        calibration.Rescale(values, model);

        Assert.Equal(model.Mean[0] + model.Std[0], values[0], 3); // one of the sensor's spreads above its mean: one of the model's
        Assert.Equal(model.Mean[1], values[1], 3);
    }

    private sealed class CalibrationComparer : IEqualityComparer<SensorCalibration>
    {
        public bool Equals(SensorCalibration? x, SensorCalibration? y) =>
            x is not null && y is not null && x.Threshold.Equals(y.Threshold) && x.Mean.SequenceEqual(y.Mean) && x.ResidualSpread.SequenceEqual(y.ResidualSpread);

        public int GetHashCode(SensorCalibration obj) => 0;
    }
}
