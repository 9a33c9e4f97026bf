namespace Pipeline.Models.Evaluation;

/// <summary>One scored row: <paramref name="Row"/> is the 0-based index among the file's data rows.</summary>
public sealed record Prediction(string File, int Row, float Score, bool Flag, bool? Actual);
