namespace Pipeline.Models.Detection;

/// <summary>Per-signal standardisation fitted on training data: (x - mean) / std.</summary>
public sealed record Scaler(float[] Mean, float[] Std)
{
    /// <summary>Fits on rows of <paramref name="features"/> values; a constant signal gets std 1 (it then only centres).</summary>
    public static Scaler Fit(IReadOnlyList<float[]> rows, int features)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("cannot fit a scaler on no data");
        }

        var mean = new double[features];
        var square = new double[features];
        foreach (var row in rows)
        {
            for (var f = 0; f < features; f++)
            {
                mean[f] += row[f];
                square[f] += (double)row[f] * row[f];
            }
        }

        var m = new float[features];
        var s = new float[features];
        for (var f = 0; f < features; f++)
        {
            var mu = mean[f] / rows.Count;
            var variance = Math.Max(0, (square[f] / rows.Count) - (mu * mu));
            m[f] = (float)mu;
            s[f] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }

        return new Scaler(m, s);
    }

    /// <summary>Standardises windows in place: <paramref name="values"/> is B x W x F.</summary>
    public void Apply(Span<float> values)
    {
        var features = Mean.Length;
        for (var i = 0; i < values.Length; i++)
        {
            var f = i % features;
            values[i] = (values[i] - Mean[f]) / Std[f];
        }
    }
}
