namespace Pipeline.Models.Detection;

/// <summary>
/// Scores a window by its most unusual signal: each signal's mean reconstruction residual, standardised by how that
/// residual moved over the commissioning windows, squared; the largest of them. A short experiment at one operating
/// point (SKAB's files) commissions on a few minutes of one state: there, what a signal's residual did then is the best
/// measure of what is normal for it, and one signal moving is an anomaly even when the others are quiet (the window's
/// mean squared error averages a valve's flow drop with seven signals' noise).
/// </summary>
public sealed class ResidualDeviation
{
    private readonly double[] _mean;
    private readonly double[] _spread;

    private ResidualDeviation(double[] mean, double[] spread)
    {
        _mean = mean;
        _spread = spread;
    }

    /// <summary>The residuals' mean and standard deviation per signal over <paramref name="commissioning"/>.</summary>
    public static ResidualDeviation Fit(IReadOnlyList<WindowScore> commissioning)
    {
        ArgumentNullException.ThrowIfNull(commissioning);
        if (commissioning.Count < 2)
        {
            throw new ArgumentException("residual statistics need at least two commissioning windows");
        }

        var features = commissioning[0].Residual.Length;
        var mean = new double[features];
        var spread = new double[features];
        for (var f = 0; f < features; f++)
        {
            var values = commissioning.Select(s => (double)s.Residual[f]).ToArray();
            mean[f] = values.Average();
            // A floor keeps a signal that never moved during commissioning (a quantised reading) from dividing by zero.
            spread[f] = Math.Max(Math.Sqrt(values.Average(v => (v - mean[f]) * (v - mean[f]))), 1e-6);
        }

        return new ResidualDeviation(mean, spread);
    }

    public double Score(WindowScore window)
    {
        var largest = 0.0;
        for (var f = 0; f < _mean.Length; f++)
        {
            var z = (window.Residual[f] - _mean[f]) / _spread[f];
            largest = Math.Max(largest, z * z);
        }

        return largest;
    }
}
