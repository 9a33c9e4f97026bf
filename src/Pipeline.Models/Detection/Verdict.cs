namespace Pipeline.Models.Detection;

/// <summary>
/// What the detector concluded about one window of one sensor: the time span, total and per-signal scores, the
/// threshold it was held against, and the model version that scored it. <paramref name="Residual"/> is each signal's
/// mean of input minus the model's reconstruction, in standard units: which way it is off from what the model expected. <paramref name="Learning"/>: the
/// sensor is still in its learning period, judged by the model's own calibration; such a verdict raises no anomaly alarm.
/// <paramref name="AlarmActive"/>: the sensor's anomaly alarm is active once this window is judged (on-delay and clearing
/// applied) — what <c>pipeline evaluate</c> flags for the row. <paramref name="Shift"/>: a steady signal's step away
/// from its level that the sensor's level watch saw at this window's newest reading (<see cref="LevelShiftWatch"/>).
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
    float[] Residual,
    bool Learning = false,
    bool AlarmActive = false,
    LevelShift? Shift = null);
