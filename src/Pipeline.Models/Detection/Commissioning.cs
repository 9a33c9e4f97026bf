using Pipeline.Models.Data;

namespace Pipeline.Models.Detection;

/// <summary>
/// Adapts a bundle to one sensor from its first stretch of normal data, without touching the weights: the scaler is
/// refitted on that data and the thresholds recalibrated on its windows, by the same rule as training. Plain C# (the
/// portable forward pass), so it runs on the Pi.
/// </summary>
public static class Commissioning
{
    public static ModelBundle Calibrate(ModelBundle bundle, SignalTable normal, CommissioningRule rule)
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
        using var detector = new PortableDetector(rescaled);
        var windows = table.Windows(bundle.Manifest.Window, 1, out var count);
        var threshold = Thresholds.Calibrate(detector.Score(windows, count), rule.Quantile, rule.Margin, rule.ClearFraction);
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
/// How commissioning calibrates: the threshold rule of training (quantile x margin, clear fraction) and the floor on
/// the refitted spread. The defaults are the SKAB recipe's (docs/models.md has the measurements behind them).
/// </summary>
public sealed record CommissioningRule(double Quantile = 0.99, double Margin = 1.0, double ClearFraction = 0.75, double SpreadFloor = 0.2);
