namespace Pipeline.Models.Sensors;

/// <summary>
/// A window of one sensor: <c>Values[t * Signals.Count + s]</c> is signal <c>s</c> at step <c>t</c>, oldest first.
/// Raw engineering units, until the detector prepares the window for the model: it converts these values in place
/// (<c>SensorDetector.Prepare</c>).
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
