namespace Pipeline.Models.Sensors;

/// <summary>
/// A window of one sensor: <c>Values[t * Signals.Count + s]</c> is signal <c>s</c> at step <c>t</c>, oldest first.
/// Raw engineering units; the model's scaler is applied where the model runs.
/// </summary>
public sealed record SensorWindow(
    string SensorId,
    IReadOnlyList<string> Signals,
    int Length,
    float[] Values,
    long FirstSequence,
    long LastSequence,
    long StartTimestampMs,
    long EndTimestampMs)
{
    public float this[int step, int signal] => Values[(step * Signals.Count) + signal];
}
