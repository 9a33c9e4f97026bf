using Pipeline.Models.Data;
using Pipeline.Models.Detection;

namespace Pipeline.Models.Evaluation;

/// <summary>How files are evaluated.</summary>
public enum EvaluationProtocol
{
    /// <summary>The bundle as it is; every row with a full window behind it is scored.</summary>
    Plain,

    /// <summary>
    /// SKAB's: each file's first 400 rows commission the detector (scaler, drift tracking, residual statistics and
    /// threshold); the rest is scored.
    /// </summary>
    Skab,
}

/// <summary>
/// Streams labelled files through the detector causally: the verdict for row t comes from the window of rows
/// t-W+1..t, with the calibration fixed before row t — nothing after t is ever read for it.
/// </summary>
public sealed class StreamingEvaluator(ModelBundle bundle, EvaluationProtocol protocol, CommissioningRule rule)
{
    public const int SkabCommissioningRows = 400;

    public IReadOnlyList<Prediction> Evaluate(string file, SignalTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var data = table.Select(bundle.Manifest.Signals);
        return protocol == EvaluationProtocol.Skab ? EvaluateExperiment(file, data) : EvaluatePlain(file, data);
    }

    /// <summary>The bundle's scaler and threshold, the window's mean squared error.</summary>
    private List<Prediction> EvaluatePlain(string file, SignalTable data)
    {
        var window = bundle.Manifest.Window;
        if (data.Count < window)
        {
            return [];
        }

        var windows = data.Windows(window, 1, out var count);
        using var detector = new PortableDetector(bundle);
        var scores = detector.Score(windows, count);
        var threshold = bundle.Manifest.Threshold.Total;
        return scores.Select((s, k) => Predict(file, data, window - 1 + k, s.Total, threshold)).ToList();
    }

    /// <summary>
    /// SKAB's set-up: the first 400 rows commission the detector — the scaler and, for the drifting signals, the start
    /// of a centre that follows them (<see cref="DriftTracker"/>) — and fix what each signal's residual does normally
    /// (<see cref="ResidualDeviation"/>); a row is anomalous when its window's most unusual signal is further out than
    /// on any commissioning window.
    /// </summary>
    private List<Prediction> EvaluateExperiment(string file, SignalTable data)
    {
        var window = bundle.Manifest.Window;
        if (window > SkabCommissioningRows - 2)
        {
            throw new ArgumentException(
                $"the SKAB protocol commissions on {SkabCommissioningRows} rows: model '{bundle.Manifest.Name}' reads windows of {window}, which leave fewer than two commissioning windows");
        }

        if (data.Count <= SkabCommissioningRows)
        {
            return [];
        }

        // Only the scaler: the threshold comes from the residual statistics below.
        var commissioned = Commissioning.Rescale(bundle, data.Slice(0, SkabCommissioningRows), rule);
        var tracked = commissioned.Manifest.Drifting.Select(d => Array.IndexOf(commissioned.Manifest.Signals, d)).ToArray();
        var windows = TrackedWindows(data, window, new DriftTracker(commissioned.Manifest.Scaler.Mean, tracked), out var count);
        using var detector = new PortableDetector(commissioned);
        var scores = detector.Score(windows, count);

        // Window k ends at row k + W - 1: those ending inside the commissioning rows fix the residual statistics.
        var commissioning = scores.Take(SkabCommissioningRows - window + 1).ToArray();
        var deviation = ResidualDeviation.Fit(commissioning);
        var threshold = commissioning.Max(deviation.Score);
        return Enumerable.Range(SkabCommissioningRows, data.Count - SkabCommissioningRows)
            .Select(row => Predict(file, data, row, deviation.Score(scores[row - window + 1]), threshold))
            .ToList();
    }

    /// <summary>Every window of <paramref name="data"/>, each with the drifting signals' shift up to the row before its last taken off.</summary>
    private static float[] TrackedWindows(SignalTable data, int window, DriftTracker tracker, out int count)
    {
        var windows = data.Windows(window, 1, out count);
        var features = data.Signals.Length;
        for (var k = 0; k < count; k++)
        {
            var shift = tracker.Shift;
            var values = windows.AsSpan(k * window * features, window * features);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] -= shift[i % features];
            }

            tracker.Observe(data.Rows[k + window - 1]);
        }

        return windows;
    }

    private static Prediction Predict(string file, SignalTable data, int row, double score, double threshold) =>
        new(file, row, (float)score, score > threshold, data.Labels is null ? null : data.Labels[row] == 1,
            data.Changepoints is null ? null : data.Changepoints[row] == 1);

    public static PointMetrics Metrics(IEnumerable<Prediction> predictions) =>
        predictions.Where(p => p.Actual is not null).Aggregate(PointMetrics.Empty, (m, p) => m.Add(p.Flag, p.Actual!.Value));
}
