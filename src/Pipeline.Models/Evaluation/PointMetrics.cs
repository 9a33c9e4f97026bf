namespace Pipeline.Models.Evaluation;

/// <summary>Point-wise confusion counts, pooled over files, and the metrics SKAB's leaderboard reports.</summary>
public sealed record PointMetrics(long TruePositives, long FalsePositives, long TrueNegatives, long FalseNegatives)
{
    public static readonly PointMetrics Empty = new(0, 0, 0, 0);

    /// <summary>SKAB's F1: TP / (TP + (FP + FN) / 2).</summary>
    public double F1 => TruePositives / Math.Max(1e-12, TruePositives + ((FalsePositives + FalseNegatives) / 2.0));

    /// <summary>False alarm rate: FP / (FP + TN).</summary>
    public double FalseAlarmRate => FalsePositives / Math.Max(1.0, FalsePositives + TrueNegatives);

    /// <summary>Missed alarm rate: FN / (FN + TP).</summary>
    public double MissedAlarmRate => FalseNegatives / Math.Max(1.0, FalseNegatives + TruePositives);

    public long Rows => TruePositives + FalsePositives + TrueNegatives + FalseNegatives;

    public PointMetrics Add(bool predicted, bool actual) => (predicted, actual) switch
    {
        (true, true) => this with { TruePositives = TruePositives + 1 },
        (true, false) => this with { FalsePositives = FalsePositives + 1 },
        (false, false) => this with { TrueNegatives = TrueNegatives + 1 },
        _ => this with { FalseNegatives = FalseNegatives + 1 },
    };

    public static PointMetrics operator +(PointMetrics a, PointMetrics b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives, a.TrueNegatives + b.TrueNegatives, a.FalseNegatives + b.FalseNegatives);
    }
}
