namespace Pipeline.Models.Evaluation;

/// <summary>
/// One scored row: <paramref name="Row"/> is the 0-based index among the file's data rows; <paramref name="Actual"/>
/// its label and <paramref name="Changepoint"/> whether a change point is labelled there, when the file says.
/// </summary>
public sealed record Prediction(string File, int Row, float Score, bool Flag, bool? Actual, bool? Changepoint = null);
