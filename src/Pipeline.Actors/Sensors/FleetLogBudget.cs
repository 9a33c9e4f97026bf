namespace Pipeline.Actors.Sensors;

/// <summary>
/// A node-wide allowance for a kind of line every sensor of a fleet logs at about the same moment (<see
/// cref="SensorServices.StartLines"/>, <see cref="SensorServices.GapLines"/>): the first <c>perMinute</c> of a
/// minute are written, the last of them saying so, the rest held back and counted, and the next line written says how
/// many. A fleet of 10,000 devices starting at once wrote 10,000 "is learning" lines within half a minute, and would
/// write as many "calibrated" lines 400 readings later; `pipeline sensors list` shows every sensor's state, and
/// warnings (a doubtful calibration) are never held back. Shared by the node's sensors, so thread-safe.
/// </summary>
public sealed class FleetLogBudget(int perMinute = FleetLogBudget.DefaultPerMinute)
{
    public const int DefaultPerMinute = 20;

    private readonly Lock _gate = new();
    private DateTimeOffset _minuteStart = DateTimeOffset.MinValue;
    private int _written;
    private int _held;

    /// <summary>
    /// Whether a line may be written at <paramref name="now"/>; if so, <paramref name="note"/> is what it adds: how many
    /// were held back since the last one written, or that it is the last of its minute.
    /// </summary>
    public bool TryWrite(DateTimeOffset now, out string note)
    {
        int heldBefore;
        bool last;
        lock (_gate)
        {
            if (now - _minuteStart >= TimeSpan.FromMinutes(1))
            {
                (_minuteStart, _written) = (now, 0);
            }

            if (_written >= perMinute)
            {
                _held++;
                note = string.Empty;
                return false;
            }

            _written++;
            (heldBefore, _held, last) = (_held, 0, _written == perMinute);
        }

        note = (heldBefore, last) switch
        {
            (0, false) => string.Empty,
            (0, true) => $" (the last of {perMinute} such lines this minute: more are held back and counted; `pipeline sensors list` shows every sensor)",
            _ => $" ({heldBefore} such lines about other sensors held back before this one; `pipeline sensors list` shows every sensor)",
        };
        return true;
    }
}
