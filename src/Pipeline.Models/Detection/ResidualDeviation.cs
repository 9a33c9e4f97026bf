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
    private readonly Scaler _normal;

    private ResidualDeviation(Scaler normal) => _normal = normal;

    /// <summary>The residuals' mean and standard deviation per signal over <paramref name="commissioning"/>.</summary>
    public static ResidualDeviation Fit(IReadOnlyList<WindowScore> commissioning)
    {
        ArgumentNullException.ThrowIfNull(commissioning);
        if (commissioning.Count < 2)
        {
            throw new ArgumentException("residual statistics need at least two commissioning windows");
        }

        return new ResidualDeviation(Scaler.Fit(commissioning.Select(s => s.Residual).ToList(), commissioning[0].Residual.Length));
    }

    public double Score(WindowScore window)
    {
        var largest = 0.0;
        for (var f = 0; f < _normal.Mean.Length; f++)
        {
            var z = (window.Residual[f] - _normal.Mean[f]) / _normal.Std[f];
            largest = Math.Max(largest, z * z);
        }

        return largest;
    }
}
