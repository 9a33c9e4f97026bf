namespace Pipeline.Models.Evaluation;

/// <summary>
/// One judged row: <paramref name="Row"/> is the 0-based index among the file's data rows, <paramref name="TimestampMs"/>
/// when it was measured; <paramref name="Flag"/> whether the anomaly alarm was active after it; <paramref name="Actual"/>
/// its label and <paramref name="Changepoint"/> whether a change point is labelled there, when the file says.
/// </summary>
public sealed record Prediction(string File, int Row, long TimestampMs, float Score, bool Flag, bool? Actual, bool? Changepoint = null);
