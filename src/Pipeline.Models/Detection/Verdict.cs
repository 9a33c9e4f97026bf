namespace Pipeline.Models.Detection;

/// <summary>
/// What the detector concluded about one window of one sensor: the time span, total and per-signal scores, the
/// threshold it was held against, and the model version that scored it. <paramref name="Deviation"/> is each signal's
/// mean over the window in standard units of normal operation: which way it moved. <paramref name="Learning"/>: the
/// sensor is still in its learning period, scored with the model's own calibration; such a verdict raises no anomaly alarm.
/// </summary>
public sealed record Verdict(
    string SensorId,
    long FirstSequence,
    long LastSequence,
    long StartTimestampMs,
    long EndTimestampMs,
    float Score,
    float[] PerSignal,
    string[] Signals,
    float Threshold,
    bool Anomalous,
    string ModelVersion,
    float[] Deviation,
    bool Learning = false);
