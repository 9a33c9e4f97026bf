using Pipeline.Models.Data;

namespace Pipeline.Models.Detection;

/// <summary>
/// Adapts a model to one sensor from its learning period, without touching the weights (<see cref="Calibrate"/>), and
/// a bundle to new normal data (<see cref="Recalibrate"/>, <c>pipeline finetune --epochs 0</c>). Plain C# by default
/// (the portable forward pass), so it runs on the Pi; a node passes its own backend.
/// </summary>
public static class Commissioning
{
    private const int ResidualWindows = 32;
    private const int ResidualIterations = 50;
    private const double ResidualTolerance = 0.01;
    private const double SingleSignalTolerance = 1.25;

    /// <summary>
    /// A sensor's calibration from its learning rows, by the rule for the model's operating points
    /// (<see cref="CommissioningRule.For"/>): its scaler; then every learning window (stride 1, drifting signals
    /// followed) is scored, and each signal's residual centre and spread are taken from them — the spread widened by
    /// what the model saw on held-out normal data — and the threshold is the largest deviation among them (times the
    /// margin, and for a model of several operating points no lower than the held-out windows' largest).
    /// </summary>
    public static SensorCalibration Calibrate(
        string sensorId, ModelBundle model, SignalTable learned, DateTimeOffset at, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(learned);
        var manifest = model.Manifest;
        var rule = CommissioningRule.For(manifest);
        var table = Enough(model, learned);
        var scaled = WithScaler(model, FitScaler(model, table, rule, scorer));
        using var detector = scorer?.Invoke(scaled) ?? new PortableDetector(scaled);
        var scores = TrackedScores(table, manifest.Window, Tracker(scaled.Manifest), detector);

        var normal = manifest.NormalOrAssumed;
        var own = Scaler.Fit(scores.Select(s => s.Residual).ToList(), manifest.Signals.Length);
        var spread = own.Std.Select((s, f) => (float)Math.Sqrt((s * s) + Math.Pow(rule.ModelSpread * normal.ResidualSpread[f], 2))).ToArray();
        var calibration = new SensorCalibration(sensorId, model.Version, scaled.Manifest.Scaler.Mean, scaled.Manifest.Scaler.Std,
            own.Mean, spread, 0, table.Count, at);
        var perSignal = new float[manifest.Signals.Length];
        var largest = scores.Max(s => calibration.Deviation(s, perSignal));
        var threshold = (float)(largest * rule.Margin);
        return calibration with
        {
            Threshold = rule.AtLeastHeldOut ? Math.Max(threshold, normal.LargestDeviation) : threshold,
            Levels = rule.WatchesLevels ? LevelBaseline.Fit(table.Rows, [.. manifest.Signals.Select(s => !manifest.Drifting.Contains(s))]) : null,
        };
    }

    /// <summary>
    /// A bundle refitted to new normal data: its scaler by the rule for its operating points, its threshold by its own
    /// rule (quantile x margin) and its <see cref="ModelManifest.Normal"/> section measured on the new data's windows.
    /// </summary>
    public static ModelBundle Recalibrate(ModelBundle bundle, SignalTable normal, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(normal);
        var manifest = bundle.Manifest;
        var table = Enough(bundle, normal);
        var scaled = WithScaler(bundle, FitScaler(bundle, table, CommissioningRule.For(manifest), scorer));
        using var detector = scorer?.Invoke(scaled) ?? new PortableDetector(scaled);
        var windows = table.Windows(manifest.Window, 1, out var count);
        var scores = detector.Score(windows, count);
        var threshold = manifest.Threshold;
        return new ModelBundle(
            scaled.Manifest with
            {
                Threshold = Thresholds.Calibrate(scores, threshold.Quantile, threshold.Margin, threshold.Clear / threshold.Total),
                Normal = NormalOperation.Measure(scores, manifest.NormalOrAssumed.OperatingPoints),
            },
            bundle.Weights);
    }

    /// <summary>
    /// Every window of <paramref name="table"/> (stride 1) scored, each with the drift up to the row before its last
    /// taken off (<see cref="DriftTracker"/>), a few windows at a time: each call's values stay under 64 KB, below the
    /// large-object heap. With an array of every window, a hundred sensors calibrating at once churned it: 13 full
    /// collections in those seconds, now 1 (bench/README.md, #17).
    /// </summary>
    private static List<WindowScore> TrackedScores(SignalTable table, int window, DriftTracker tracker, IWindowScorer detector)
    {
        const int mostValues = 16_000;
        var size = window * table.Signals.Length;
        var total = table.Count - window + 1;
        var chunk = Math.Clamp(mostValues / size, 1, total);
        var values = new float[chunk * size];
        var scores = new List<WindowScore>(total);
        for (var first = 0; first < total; first += chunk)
        {
            var count = Math.Min(chunk, total - first);
            for (var k = 0; k < count; k++)
            {
                var windowValues = values.AsSpan(k * size, size);
                table.CopyWindow(first + k, window, windowValues);
                tracker.TakeOff(windowValues);
                tracker.Observe(table.Rows[first + k + window - 1]);
            }

            scores.AddRange(detector.Score(values.AsSpan(0, count * size), count));
        }

        return scores;
    }

    /// <summary>The drifting signals of <paramref name="manifest"/> followed from its scaler's centre.</summary>
    public static DriftTracker Tracker(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new DriftTracker(manifest.Scaler.Mean, manifest.Drifting.Select(d => Array.IndexOf(manifest.Signals, d)).Where(i => i >= 0).ToArray());
    }

    private static SignalTable Enough(ModelBundle model, SignalTable data)
    {
        var table = data.Select(model.Manifest.Signals).CompleteRows(); // an unreadable cell of a file is no statistic
        var window = model.Manifest.Window;
        return table.Count < window + 1
            ? throw new ArgumentException($"commissioning needs more than {window} rows (the model's window), got {table.Count}")
            : table.WindowCount(window, 1) == 0
                ? throw new ArgumentException($"commissioning needs {window} rows in a row (the model's window): the {table.Count} rows left are split by rows left out into shorter runs")
                : table;
    }

    private static ModelBundle WithScaler(ModelBundle bundle, Scaler scaler) =>
        new(bundle.Manifest with { Scaler = new ModelManifest.ScalerSection(scaler.Mean, scaler.Std) }, bundle.Weights);

    /// <summary>The scaler <paramref name="rule"/> fits on <paramref name="table"/> (the model's signals, in order).</summary>
    internal static Scaler FitScaler(ModelBundle bundle, SignalTable table, CommissioningRule rule, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        var trained = bundle.Manifest.Scaler;
        if (rule.ScalerFit == ScalerFit.Refit)
        {
            // The sensor's own spread, but no less than a fraction of the trained one: a few minutes see only a slice of
            // a slow signal's range (a thermocouple moves 0.03 °C in 400 s and 0.7 °C over a day).
            var own = Scaler.Fit(table.Rows, table.Signals.Length);
            return own with { Std = own.Std.Select((s, f) => Math.Max(s, (float)(rule.SpreadFloor * trained.Std[f]))).ToArray() };
        }

        // Only offsets the model could not have seen in normal operation: smaller ones are the model's own slack, and
        // taking them out would move the centre with whatever operating point the learning period happened to be at.
        var spread = bundle.Manifest.NormalOrAssumed.ResidualSpread;
        var centre = OffsetCentre(bundle, table, scorer);
        var mean = centre.Select((m, f) => Math.Abs((m - trained.Mean[f]) / trained.Std[f]) > rule.SignificantOffset * spread[f] ? m : trained.Mean[f]).ToArray();
        return new Scaler(mean, trained.Std);
    }

    /// <summary>
    /// The model's mean plus the sensor's offset, found as a fixed point: the median over the learning windows of each
    /// window's mean reconstruction residual is added to the centre until it is about 0 (the autoencoder follows part
    /// of an offset, so one step removes only part of it; the median, because a stop or a restart while learning leaves
    /// a few windows with large residuals of their own). Tried with every signal free and with each one alone; on 32
    /// evenly spread windows.
    /// </summary>
    internal static float[] OffsetCentre(ModelBundle bundle, SignalTable table, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        var window = bundle.Manifest.Window;
        var count = table.Count - window + 1;
        var step = Math.Max(1, count / ResidualWindows);
        var size = window * table.Signals.Length;
        var sampled = ((count - 1) / step) + 1;
        var sample = new float[sampled * size];
        for (var i = 0; i < sampled; i++)
        {
            table.CopyWindow(i * step, window, sample.AsSpan(i * size, size));
        }

        var trained = bundle.Manifest.Scaler;
        WindowScore[] Score(float[] mean)
        {
            var centred = WithScaler(bundle, new Scaler(mean, trained.Std));
            using var detector = scorer?.Invoke(centred) ?? new PortableDetector(centred);
            return detector.Score(sample, sampled);
        }

        // Every candidate starts from the model's own centre, scored once for all of them: a sensor without an offset
        // (nearly every one) then scores its sample here once instead of ten times, nearly half of what its calibration
        // scored in all (bench/README.md, #17).
        var atTrained = Score(trained.Mean);

        // The model can explain an offset on one sensor as the pump at another operating point with part of the offset
        // on every signal, and reconstructs both equally well; a single miscalibrated sensor is the likelier story, so
        // an offset on one signal wins when it reconstructs about as well as the offset on all of them.
        var joint = FixedPoint(trained, Score, atTrained, [.. Enumerable.Range(0, trained.Std.Length)]);
        var single = Enumerable.Range(0, trained.Std.Length)
            .Select(f => FixedPoint(trained, Score, atTrained, [f]))
            .MinBy(c => c.MedianScore);
        return single.MedianScore <= (SingleSignalTolerance * joint.MedianScore) + 1e-9 ? single.Centre : joint.Centre;
    }

    /// <summary>
    /// Moves the <paramref name="free"/> signals' centres from the trained ones until their median residual is about 0;
    /// the centre found and the median total score of the windows there.
    /// </summary>
    private static (float[] Centre, double MedianScore) FixedPoint(
        ModelManifest.ScalerSection trained, Func<float[], WindowScore[]> score, WindowScore[] atTrained, int[] free)
    {
        var mean = trained.Mean.ToArray();
        var scores = atTrained;
        for (var iteration = 0; ; iteration++)
        {
            var residual = free.Select(f => Median(scores.Select(s => s.Residual[f]))).ToArray();
            if (iteration == ResidualIterations || residual.All(r => Math.Abs(r) < ResidualTolerance))
            {
                return (mean, Median(scores.Select(s => s.Total)));
            }

            for (var i = 0; i < free.Length; i++)
            {
                mean[free[i]] += (float)(residual[i] * trained.Std[free[i]]);
            }

            scores = score(mean);
        }
    }

    private static double Median(IEnumerable<float> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
    }
}
