using Pipeline.Models.Data;
using Pipeline.Models.Detection;

namespace Pipeline.Models.Evaluation;

/// <summary>How files are evaluated.</summary>
public enum EvaluationProtocol
{
    /// <summary>The bundle as it is; every row with a full window behind it is scored.</summary>
    Plain,

    /// <summary>SKAB's: each file's first 400 rows commission the detector (scaler and threshold); the rest is scored.</summary>
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
        var window = bundle.Manifest.Window;
        var data = table.Select(bundle.Manifest.Signals);
        var detectorBundle = bundle;
        var firstScored = window - 1;
        if (protocol == EvaluationProtocol.Skab)
        {
            if (data.Count <= SkabCommissioningRows)
            {
                return [];
            }

            detectorBundle = Commissioning.Calibrate(bundle, data.Slice(0, SkabCommissioningRows), rule);
            firstScored = SkabCommissioningRows;
        }

        if (data.Count <= firstScored)
        {
            return [];
        }

        // Window k ends at row k + W - 1; the rows to score are firstScored.., so the windows from firstScored - W + 1.
        var from = firstScored - window + 1;
        var tail = data.Slice(from, data.Count - from);
        var windows = tail.Windows(window, 1, out var count);
        using var detector = new PortableDetector(detectorBundle);
        var scores = detector.Score(windows, count);
        var threshold = detectorBundle.Manifest.Threshold.Total;
        var predictions = new List<Prediction>(count);
        for (var k = 0; k < count; k++)
        {
            var row = firstScored + k;
            predictions.Add(new Prediction(file, row, scores[k].Total, scores[k].Total > threshold, data.Labels is null ? null : data.Labels[row] == 1,
                data.Changepoints is null ? null : data.Changepoints[row] == 1));
        }

        return predictions;
    }

    public static PointMetrics Metrics(IEnumerable<Prediction> predictions) =>
        predictions.Where(p => p.Actual is not null).Aggregate(PointMetrics.Empty, (m, p) => m.Add(p.Flag, p.Actual!.Value));
}
