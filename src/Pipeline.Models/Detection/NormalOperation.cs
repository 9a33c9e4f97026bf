using Pipeline.Models.Data;

namespace Pipeline.Models.Detection;

/// <summary>
/// What normal operation looked like to a trained model — measured at training time and kept in the bundle
/// (<see cref="ModelManifest.Normal"/>) as the yardstick every sensor's own learning period is held against:
/// <list type="bullet">
/// <item>each signal's window residual (input minus reconstruction, mean over a window, standard units) on the held-out
/// normal windows: its centre and spread, and the largest deviation of any signal there;</item>
/// <item>whether the training data spans several operating points (set-point changes, stops and starts) or one
/// steady state — which decides how a sensor is calibrated (<see cref="SensorCalibration"/>).</item>
/// </list>
/// </summary>
public static class NormalOperation
{
    /// <summary>Fewer training rows than this cannot tell: a sensor's learning period is 400 readings by default.</summary>
    public const int MinimumRows = 800;

    /// <summary>
    /// A signal whose whole spread is this many times its sample-to-sample noise moves between operating points. The
    /// simulator's eight hours of set-point changes, stops and starts score 13 to 27 (median 27), SKAB's anomaly-free
    /// run 1 to 4.4 (median 3.0): docs/models.md.
    /// </summary>
    public const double SeveralPointsRatio = 10;

    /// <summary>The held-out windows' residual centre, spread, and their largest standardised deviation.</summary>
    public static ModelManifest.NormalSection Measure(IReadOnlyList<WindowScore> heldOut, string operatingPoints)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        if (heldOut.Count < 2)
        {
            throw new ArgumentException("normal operation needs at least two held-out windows");
        }

        var features = heldOut[0].Residual.Length;
        var spread = Scaler.Fit(heldOut.Select(s => s.Residual).ToList(), features);
        var largest = heldOut.Max(s => Deviation(s.Residual, spread.Mean, spread.Std));
        return new ModelManifest.NormalSection(spread.Mean, spread.Std, (float)largest, operatingPoints);
    }

    /// <summary>The largest squared standardised deviation over signals: max over f of ((r_f - centre_f) / spread_f)².</summary>
    public static double Deviation(ReadOnlySpan<float> residual, ReadOnlySpan<float> centre, ReadOnlySpan<float> spread)
    {
        var largest = 0.0;
        for (var f = 0; f < residual.Length; f++)
        {
            var z = (residual[f] - centre[f]) / spread[f];
            largest = Math.Max(largest, (double)z * z);
        }

        return largest;
    }

    /// <summary>
    /// "several" when the steady (not drifting) signals' spread over the whole data is far larger than their
    /// sample-to-sample noise (the median over them of the ratio exceeds <see cref="SeveralPointsRatio"/>); otherwise
    /// "one". Too little data to tell: "several", the cautious answer (it does not narrow what counts as normal to a
    /// learning period).
    /// </summary>
    public static string OperatingPoints(SignalTable training, IReadOnlyCollection<string> drifting)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(drifting);
        var steady = Enumerable.Range(0, training.Signals.Length).Where(f => !drifting.Contains(training.Signals[f])).ToList();
        if (training.Count < MinimumRows || steady.Count == 0)
        {
            return ModelManifest.SeveralOperatingPoints;
        }

        var ratios = steady.Select(f => SpreadOverNoise(training, f)).Order().ToArray();
        return ratios[ratios.Length / 2] > SeveralPointsRatio ? ModelManifest.SeveralOperatingPoints : ModelManifest.OneOperatingPoint;
    }

    /// <summary>
    /// The signal's standard deviation over the rms of its first differences / √2 (the noise of independent samples).
    /// A difference across a gap (<see cref="SignalTable.AfterGap"/>: rows left out, another sensor's rows begin) is
    /// no sample-to-sample noise: the jump across it is a change of level, and counted as noise it hid one.
    /// </summary>
    internal static double SpreadOverNoise(SignalTable table, int signal)
    {
        double sum = 0, square = 0, step = 0;
        var steps = 0;
        for (var r = 0; r < table.Count; r++)
        {
            double value = table.Rows[r][signal];
            sum += value;
            square += value * value;
            if (r > 0 && !(table.AfterGap?[r] ?? false))
            {
                var difference = value - table.Rows[r - 1][signal];
                step += difference * difference;
                steps++;
            }
        }

        var mean = sum / table.Count;
        var spread = Math.Sqrt(Math.Max(0, (square / table.Count) - (mean * mean)));
        var noise = Math.Sqrt(step / Math.Max(1, steps) / 2);
        return spread / Math.Max(noise, 1e-9);
    }
}
