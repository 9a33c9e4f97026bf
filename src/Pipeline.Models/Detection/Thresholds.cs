namespace Pipeline.Models.Detection;

/// <summary>The calibration rule: a quantile of scores on held-out normal windows, times a margin.</summary>
public static class Thresholds
{
    public static ModelManifest.ThresholdSection Calibrate(IReadOnlyList<WindowScore> normal, double quantile, double margin, double clearFraction)
    {
        ArgumentNullException.ThrowIfNull(normal);
        if (normal.Count == 0)
        {
            throw new ArgumentException("threshold calibration needs at least one held-out window");
        }

        var features = normal[0].PerSignal.Length;
        var total = (float)(Quantile(normal.Select(s => (double)s.Total), quantile) * margin);
        var perSignal = Enumerable.Range(0, features)
            .Select(f => (float)(Quantile(normal.Select(s => (double)s.PerSignal[f]), quantile) * margin))
            .ToArray();
        return new ModelManifest.ThresholdSection(
            $"q{quantile:0.###} of {normal.Count} held-out normal window scores x {margin:0.###}; clear below {clearFraction:0.##} x threshold",
            quantile,
            margin,
            Math.Max(total, 1e-6f),
            (float)(Math.Max(total, 1e-6f) * clearFraction),
            perSignal.Select(p => Math.Max(p, 1e-6f)).ToArray());
    }

    /// <summary>The <paramref name="q"/> quantile with linear interpolation between order statistics.</summary>
    public static double Quantile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("no values");
        }

        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
