namespace Pipeline.Models.Evaluation;

/// <summary>A NAB scoring profile: the reward for a detected change point and the costs of a false and a missed one.</summary>
public sealed record NabProfile(string Name, double TruePositive, double FalsePositive, double FalseNegative)
{
    public static readonly NabProfile Standard = new("standard", 1.0, -0.11, -1.0);
    public static readonly NabProfile LowFalsePositives = new("low FP", 1.0, -0.22, -1.0);
    public static readonly NabProfile LowFalseNegatives = new("low FN", 1.0, -0.11, -2.0);

    public static IReadOnlyList<NabProfile> All { get; } = [Standard, LowFalsePositives, LowFalseNegatives];
}

/// <summary>
/// NAB change point scores as SKAB's current evaluation code computes them (tsad's <c>chp_score</c> with
/// <c>metric='nab'</c>, <c>window_width='30s'</c>, <c>anomaly_window_destination='righter'</c>, <c>intersection_mode='cut
/// right window'</c>, <c>scale_func='improved'</c>): a detection is a row where the flag flips (or the first row, when it
/// is flagged); each labelled change point opens a window from it to 30 s after it — only detections after the change
/// point count — cut where the previous window ends. The first detection in a window earns the profile's reward scaled
/// by how late in the window it came (a tanh from the full reward at its start to the false-positive weight at its end);
/// every detection outside the windows costs the false-positive weight; a window without one costs the missed weight.
/// Normalised over all files: 100 x (score - null) / (perfect - null), where the null detector flags nothing (0) and
/// the perfect one detects every change point at once (100); below 0 is worse than saying nothing.
/// </summary>
public static class ChangepointScore
{
    /// <summary>SKAB's window: 30 s after the change point.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(30);

    /// <summary>The normalised score per profile, or null when no file labels change points.</summary>
    public static IReadOnlyDictionary<NabProfile, double>? Score(IEnumerable<Prediction> predictions, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var width = (long)(window ?? DefaultWindow).TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var files = predictions.Where(p => p.Changepoint is not null).GroupBy(p => p.File).Select(f => f.OrderBy(p => p.Row).ToArray()).ToArray();
        if (files.Length == 0)
        {
            return null;
        }

        var raw = NabProfile.All.ToDictionary(p => p, _ => 0.0);
        var labelled = 0;
        foreach (var rows in files)
        {
            var windows = Windows(rows, width);
            labelled += windows.Count;
            var detections = rows.Where((p, i) => i == 0 ? p.Flag : p.Flag != rows[i - 1].Flag).Select(p => p.TimestampMs).ToArray();
            foreach (var profile in NabProfile.All)
            {
                raw[profile] += FileScore(windows, detections, profile);
            }
        }

        return raw.ToDictionary(
            r => r.Key,
            r => labelled == 0 ? 0 : 100 * (r.Value - (labelled * r.Key.FalseNegative)) / (labelled * (r.Key.TruePositive - r.Key.FalseNegative)));
    }

    /// <summary>From each change point to <paramref name="width"/> after it; a window starts no earlier than the previous one ends.</summary>
    private static List<(long Start, long End)> Windows(Prediction[] rows, long width)
    {
        var windows = rows.Where(p => p.Changepoint == true).Select(p => (Start: p.TimestampMs, End: p.TimestampMs + width)).ToList();
        for (var i = 1; i < windows.Count; i++)
        {
            if (windows[i - 1].End >= windows[i].Start)
            {
                windows[i] = (windows[i - 1].End, windows[i].End);
            }
        }

        return windows;
    }

    private static double FileScore(List<(long Start, long End)> windows, long[] detections, NabProfile profile)
    {
        var score = 0.0;
        foreach (var (start, end) in windows)
        {
            var first = detections.Where(t => t >= start && t <= end).Cast<long?>().FirstOrDefault();
            score += first is { } at
                ? Reward((double)(at - start) / Math.Max(1, end - start), profile)
                : profile.FalseNegative;
        }

        var outside = detections.Count(t => !windows.Any(w => t >= w.Start && t <= w.End));
        return score + (outside * profile.FalsePositive);
    }

    /// <summary>tsad's "improved" scale: from the reward at the window's start to the false-positive weight at its end.</summary>
    private static double Reward(double position, NabProfile profile)
    {
        const int detail = 1000;
        var step = Math.Min((int)(position * detail), detail - 1);
        var x = (-Math.PI / 2) + (Math.PI * step / (detail - 1));
        var half = (profile.TruePositive - profile.FalsePositive) / 2;
        return (half * -Math.Tanh(x) / Math.Tanh(Math.PI / 2)) + half + profile.FalsePositive;
    }
}
