namespace Pipeline.Actors.Sensors;

/// <summary>
/// A node-wide allowance for the lines each sensor logs as it starts learning and as it is calibrated: the first
/// <see cref="PerMinute"/> of a minute are written, the rest held back and counted, and the next line written says how
/// many. A fleet of 10,000 devices starting at once wrote 10,000 "is learning" lines within half a minute, and would
/// write as many "calibrated" lines 400 readings later; `pipeline sensors list` shows every sensor's state, and a
/// doubtful calibration (a warning) is never held back. Shared by the node's sensors, so thread-safe.
/// </summary>
public sealed class FleetLogBudget(int perMinute = FleetLogBudget.DefaultPerMinute)
{
    public const int DefaultPerMinute = 20;

    private readonly Lock _gate = new();
    private DateTimeOffset _minuteStart = DateTimeOffset.MinValue;
    private int _written;
    private int _held;

    public int PerMinute => perMinute;

    /// <summary>
    /// Whether a line may be written at <paramref name="now"/>; if so, <paramref name="heldBefore"/> is how many were
    /// held back since the last one written (to be said in it).
    /// </summary>
    public bool TryWrite(DateTimeOffset now, out int heldBefore)
    {
        lock (_gate)
        {
            if (now - _minuteStart >= TimeSpan.FromMinutes(1))
            {
                (_minuteStart, _written) = (now, 0);
            }

            if (_written >= perMinute)
            {
                _held++;
                heldBefore = 0;
                return false;
            }

            _written++;
            (heldBefore, _held) = (_held, 0);
            return true;
        }
    }

    /// <summary>What a written line adds when lines were held back before it; empty when none were.</summary>
    public static string HeldBack(int heldBefore) => heldBefore == 0
        ? string.Empty
        : $" ({heldBefore} such lines about other sensors held back before this one; `pipeline sensors list` shows every sensor)";
}
