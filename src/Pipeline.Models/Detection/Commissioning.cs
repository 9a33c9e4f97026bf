using Pipeline.Models.Data;

namespace Pipeline.Models.Detection;

/// <summary>
/// Adapts a bundle to one sensor from its first stretch of normal data, without touching the weights: the scaler is
/// refitted on that data and the thresholds recalibrated on its windows, by the same rule as training. By default
/// plain C# (the portable forward pass), so it runs on the Pi; a node passes its own backend, which on x64 is ten
/// times faster.
/// </summary>
public static class Commissioning
{
    private const int ResidualWindows = 32;
    private const int ResidualIterations = 50;
    private const double ResidualTolerance = 0.01;
    private const double SingleSignalTolerance = 1.25;

    public static ModelBundle Calibrate(ModelBundle bundle, SignalTable normal, CommissioningRule rule, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        var rescaled = Rescale(bundle, normal, rule, scorer);
        var table = normal.Select(bundle.Manifest.Signals);
        using var detector = scorer?.Invoke(rescaled) ?? new PortableDetector(rescaled);
        var windows = table.Windows(bundle.Manifest.Window, 1, out var count);
        var own = Thresholds.Calibrate(detector.Score(windows, count), rule.Quantile, rule.Margin, rule.ClearFraction);
        var model = bundle.Manifest.Threshold;
        var total = Math.Max(own.Total, (float)(rule.ThresholdFloor * model.Total));
        var threshold = own with
        {
            Rule = rule.ThresholdFloor > 0 ? $"{own.Rule}; no lower than {rule.ThresholdFloor:0.##} x the model's {model.Total:0.####}" : own.Rule,
            Total = total,
            Clear = (float)(total * rule.ClearFraction),
            PerSignal = own.PerSignal.Select((p, f) => Math.Max(p, (float)(rule.ThresholdFloor * model.PerSignal[f]))).ToArray(),
        };
        return new ModelBundle(rescaled.Manifest with { Threshold = threshold }, bundle.Weights);
    }

    /// <summary>The bundle with its scaler fitted to <paramref name="normal"/> by the rule; thresholds untouched.</summary>
    public static ModelBundle Rescale(ModelBundle bundle, SignalTable normal, CommissioningRule rule, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(normal);
        ArgumentNullException.ThrowIfNull(rule);
        var table = normal.Select(bundle.Manifest.Signals);
        if (table.Count < bundle.Manifest.Window + 1)
        {
            throw new ArgumentException($"commissioning needs more than {bundle.Manifest.Window} rows, got {table.Count}");
        }

        var trained = bundle.Manifest.Scaler;
        var scaler = rule.ScalerFit == ScalerFit.ModelOffset
            ? new Scaler(OffsetCentre(bundle, table, scorer), trained.Std)
            : FitScaler(table, trained.Std, rule.SpreadFloor);
        return new ModelBundle(bundle.Manifest with { Scaler = new ModelManifest.ScalerSection(scaler.Mean, scaler.Std) }, bundle.Weights);
    }

    /// <summary>
    /// The model's mean plus the sensor's offset, found as a fixed point: the median over the commissioning windows of
    /// each window's mean reconstruction residual is added to the centre until it stops moving (the autoencoder follows
    /// part of an offset, so one step removes only part of it; the median, because a stop or a restart during
    /// commissioning leaves a few windows with large residuals of their own). Tried with every signal free and with
    /// each one alone; on 32 evenly spread windows, with the node's backend where it passes one.
    /// </summary>
    internal static float[] OffsetCentre(ModelBundle bundle, SignalTable table, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        IWindowScorer Scorer(float[] mean)
        {
            var centred = new ModelBundle(bundle.Manifest with { Scaler = new ModelManifest.ScalerSection(mean, bundle.Manifest.Scaler.Std) }, bundle.Weights);
            return scorer?.Invoke(centred) ?? new PortableDetector(centred);
        }

        var std = bundle.Manifest.Scaler.Std;
        var window = bundle.Manifest.Window;
        var all = table.Windows(window, 1, out var count);
        var step = Math.Max(1, count / ResidualWindows);
        var size = window * table.Signals.Length;
        var sample = Enumerable.Range(0, count).Where(i => i % step == 0).SelectMany(i => all.AsSpan(i * size, size).ToArray()).ToArray();
        var sampled = sample.Length / size;

        // The model can explain an offset on one sensor as the pump at another operating point with part of the offset
        // on every signal, and reconstructs both equally well; a single miscalibrated sensor is the likelier story, so
        // an offset on one signal wins when it reconstructs about as well as the offset on all of them.
        var joint = FixedPoint(bundle.Manifest.Scaler, Scorer, sample, sampled, Enumerable.Range(0, std.Length).ToArray());
        var jointScore = MedianScore(Scorer, joint, sample, sampled);
        var single = Enumerable.Range(0, std.Length)
            .Select(f => FixedPoint(bundle.Manifest.Scaler, Scorer, sample, sampled, [f]))
            .Select(centre => (Centre: centre, Score: MedianScore(Scorer, centre, sample, sampled)))
            .MinBy(c => c.Score);
        return single.Score <= (SingleSignalTolerance * jointScore) + 1e-9 ? single.Centre : joint;
    }

    private static double MedianScore(Func<float[], IWindowScorer> scorer, float[] mean, float[] sample, int sampled)
    {
        using var detector = scorer(mean);
        return Median(detector.Score(sample, sampled).Select(s => s.Total));
    }

    /// <summary>Moves the <paramref name="free"/> signals' centres until their median residual is about 0.</summary>
    private static float[] FixedPoint(ModelManifest.ScalerSection trained, Func<float[], IWindowScorer> scorer, float[] sample, int sampled, int[] free)
    {
        var mean = trained.Mean.ToArray();
        for (var iteration = 0; iteration < ResidualIterations; iteration++)
        {
            using var detector = scorer(mean);
            var residuals = detector.Score(sample, sampled).Select(s => s.Residual).ToArray();
            var residual = free.Select(f => Median(residuals.Select(r => r[f]))).ToArray();
            for (var i = 0; i < free.Length; i++)
            {
                mean[free[i]] += (float)(residual[i] * trained.Std[free[i]]);
            }

            if (residual.All(r => Math.Abs(r) < ResidualTolerance))
            {
                break;
            }
        }

        return mean;
    }

    private static double Median(IEnumerable<float> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
    }

    /// <summary>
    /// The sensor's own mean, and its own spread but no less than <paramref name="floor"/> x the trained spread: a few
    /// minutes of commissioning see only a slice of a slow signal's normal range (a thermocouple moves 0.03 °C in 400 s
    /// and 0.7 °C over a day), and without the floor its later drift reads as tens of standard deviations.
    /// </summary>
    internal static Scaler FitScaler(SignalTable table, float[] trainedStd, double floor)
    {
        var own = Scaler.Fit(table.Rows, table.Signals.Length);
        return own with { Std = own.Std.Select((s, f) => Math.Max(s, (float)(floor * trainedStd[f]))).ToArray() };
    }
}

/// <summary>How commissioning fits a sensor's scaler.</summary>
public enum ScalerFit
{
    /// <summary>
    /// The sensor's own mean and spread (the spread no narrower than <see cref="CommissioningRule.SpreadFloor"/> x the
    /// trained one): the commissioning data's operating point becomes the centre.
    /// </summary>
    Refit,

    /// <summary>
    /// The model's scaler, its centre moved only by what the model cannot reconstruct on the commissioning data: a
    /// sensor that reads offset gets its offset removed; a sensor at another operating point the model knows keeps the
    /// model's scaler, so its later set-point changes, stops and starts look to the model as they did in training.
    /// </summary>
    ModelOffset,
}

/// <summary>
/// How commissioning calibrates: the threshold rule of training (quantile x margin, clear fraction), how the scaler is
/// fitted (and, when refitted, the floor on its spread as a fraction of the trained spread) and the floor on the
/// threshold (a fraction of the model's). The defaults are the SKAB recipe's; <see cref="ForNode"/> is what a node and
/// <c>pipeline finetune --epochs 0</c> use. docs/models.md and docs/sensors.md have the measurements behind both.
/// </summary>
public sealed record CommissioningRule(
    double Quantile = 0.99,
    double Margin = 1.0,
    double ClearFraction = 0.75,
    double SpreadFloor = 0.2,
    double ThresholdFloor = 0,
    ScalerFit ScalerFit = ScalerFit.Refit)
{
    /// <summary>
    /// A sensor's learning period is minutes at one or two operating points: it tells neither how wide the sensor's
    /// normal range is nor where its middle is, only whether it reads offset. So the node keeps the model's scaler and
    /// takes out the offset (<see cref="ScalerFit.ModelOffset"/>), takes 1.5 x the quantile (the learning windows
    /// overlap: few independent samples), and never goes below the model's own threshold — a sensor may turn out
    /// noisier than the fleet, never quieter than the model can tell. Measured on the simulator (docs/sensors.md): with
    /// the sensor's own mean, set-point changes after learning crossed the threshold in 8 of 20 runs, with the SKAB
    /// rule in 20; with this rule in none.
    /// </summary>
    public static CommissioningRule ForNode(ModelBundle model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(model.Manifest.Threshold.Quantile, Margin: 1.5, ThresholdFloor: 1.0, ScalerFit: ScalerFit.ModelOffset);
    }
}
