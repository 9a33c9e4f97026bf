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
    public static ModelBundle Calibrate(ModelBundle bundle, SignalTable normal, CommissioningRule rule, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(normal);
        ArgumentNullException.ThrowIfNull(rule);
        var table = normal.Select(bundle.Manifest.Signals);
        if (table.Count < bundle.Manifest.Window + 1)
        {
            throw new ArgumentException($"commissioning needs more than {bundle.Manifest.Window} rows, got {table.Count}");
        }

        var scaler = FitScaler(table, bundle.Manifest.Scaler.Std, rule.SpreadFloor);
        var rescaled = new ModelBundle(bundle.Manifest with { Scaler = new ModelManifest.ScalerSection(scaler.Mean, scaler.Std) }, bundle.Weights);
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

/// <summary>
/// How commissioning calibrates: the threshold rule of training (quantile x margin, clear fraction), the floor on the
/// refitted spread (a fraction of the trained spread) and the floor on the threshold (a fraction of the model's). The
/// defaults are the SKAB recipe's; <see cref="ForNode"/> is what a node and <c>pipeline finetune --epochs 0</c> use.
/// docs/models.md has the measurements behind both.
/// </summary>
public sealed record CommissioningRule(double Quantile = 0.99, double Margin = 1.0, double ClearFraction = 0.75, double SpreadFloor = 0.2, double ThresholdFloor = 0)
{
    /// <summary>
    /// A sensor's learning period is minutes at one operating point: it tells the sensor's own level, not how wide its
    /// normal range is. So the node keeps the trained spread as the floor (a later set-point change is then no
    /// surprise), takes 1.5 x the quantile (the learning windows overlap: few independent samples), and never goes
    /// below the model's own threshold — a sensor may turn out noisier than the fleet, never quieter than the model can
    /// tell. Measured on the simulator: with the SKAB rule instead, every set-point change after learning raised an alarm.
    /// </summary>
    public static CommissioningRule ForNode(ModelBundle model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(model.Manifest.Threshold.Quantile, Margin: 1.5, SpreadFloor: 1.0, ThresholdFloor: 1.0);
    }
}
