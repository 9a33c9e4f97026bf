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
/// NAB-style change point scores, as SKAB reports them next to F1: the detector's change points are the rows where its
/// flag flips; each labelled change point opens a window of <c>window</c> rows (cut short where the next one starts).
/// The first detection inside a window earns the profile's reward scaled by a sigmoid of how late it came (almost the
/// full reward at the window's start, about half of it at the end); later ones in the same window count nothing; a
/// detection outside every window costs the false-positive weight; a window without one costs the missed weight.
/// Normalised over all files: 100 x (score - null) / (perfect - null), where the null detector flags nothing (0) and
/// the perfect one earns the full reward in every window (100); below 0 is worse than saying nothing.
/// </summary>
public static class ChangepointScore
{
    /// <summary>SKAB scores change points within 30 s; its rows are 1 s apart.</summary>
    public const int DefaultWindow = 30;

    /// <summary>The normalised score per profile, or null when no file labels change points.</summary>
    public static IReadOnlyDictionary<NabProfile, double>? Score(IEnumerable<Prediction> predictions, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var files = predictions.Where(p => p.Changepoint is not null).GroupBy(p => p.File).Select(f => f.OrderBy(p => p.Row).ToArray()).ToArray();
        if (files.Length == 0)
        {
            return null;
        }

        var raw = NabProfile.All.ToDictionary(p => p, _ => 0.0);
        var labelled = 0;
        foreach (var rows in files)
        {
            var windows = Windows(rows, window);
            labelled += windows.Count;
            var detections = rows.Skip(1).Where((p, i) => p.Flag != rows[i].Flag).Select(p => p.Row).ToArray();
            foreach (var profile in NabProfile.All)
            {
                raw[profile] += FileScore(windows, detections, profile);
            }
        }

        return raw.ToDictionary(
            r => r.Key,
            r => labelled == 0 ? 0 : 100 * (r.Value - (labelled * r.Key.FalseNegative)) / (labelled * (r.Key.TruePositive - r.Key.FalseNegative)));
    }

    private static List<(int Start, int End)> Windows(Prediction[] rows, int window)
    {
        var starts = rows.Where(p => p.Changepoint == true).Select(p => p.Row).ToArray();
        return starts.Select((s, i) => (s, Math.Min(s + window, i + 1 < starts.Length ? starts[i + 1] : int.MaxValue))).ToList();
    }

    private static double FileScore(List<(int Start, int End)> windows, int[] detections, NabProfile profile)
    {
        var score = 0.0;
        var hit = new bool[windows.Count];
        foreach (var row in detections)
        {
            var w = windows.FindIndex(x => row >= x.Start && row < x.End);
            if (w < 0)
            {
                score += profile.FalsePositive;
            }
            else if (!hit[w])
            {
                hit[w] = true;
                var (start, end) = windows[w];
                var lateness = (double)(row - (end - 1)) / (end - start); // -1 (window start) .. 0 (window end)
                score += ((profile.TruePositive - profile.FalsePositive) / (1 + Math.Exp(5 * lateness))) + profile.FalsePositive;
            }
        }

        return score + (hit.Count(h => !h) * profile.FalseNegative);
    }
}
