using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// Whether a sensor's readings carry every signal its model needs. A reading that lacks one restarts the window, so a
/// device that stopped sending a signal — a probe unplugged, firmware that leaves out a field it cannot read — would
/// never be judged by the model again, with nothing but one log line to say so. After
/// <see cref="LackingBeforeAlarm"/> such readings with no full window between them the condition starts (an alarm:
/// the model is blind to the sensor); it ends when the window is full again. Counted over the window, not in a row: a
/// signal missing from every other reading keeps the window from filling as surely as one gone for good.
/// </summary>
public sealed class IncompleteReadings(string sensorId)
{
    /// <summary>Readings lacking a needed signal, with no full window between them, before the condition starts.</summary>
    public const int LackingBeforeAlarm = 10;

    private int _lacking;

    public bool IsActive { get; private set; }

    /// <summary>The signals the readings lacked when the condition started (comma-separated), while it stands.</summary>
    public string? Lacked { get; private set; }

    /// <summary>A reading that lacks a signal of <paramref name="spec"/>: the condition's start, once.</summary>
    public HealthEvent? Lacking(Reading reading, WindowSpec spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reading);
        ArgumentNullException.ThrowIfNull(spec);
        if (IsActive || ++_lacking < LackingBeforeAlarm)
        {
            return null;
        }

        IsActive = true;
        Lacked = string.Join(",", spec.Signals.Where(s => !reading.Values.ContainsKey(s)));
        return new HealthEvent(sensorId, HealthCondition.Incomplete, Lacked, true,
            $"{_lacking} readings lacked it since the window was last full; the model does not judge this sensor until {spec.Length} readings in a row carry every signal it needs ({string.Join(", ", spec.Signals)})", now);
    }

    /// <summary>The window is full: the condition's end, if it stood. Asked with every reading; usually nothing happens.</summary>
    public HealthEvent? Filled(DateTimeOffset now)
    {
        _lacking = 0;
        if (!IsActive)
        {
            return null;
        }

        (IsActive, Lacked) = (false, null);
        return new HealthEvent(sensorId, HealthCondition.Incomplete, null, false, "its readings carry every signal the model needs again; judged from this window on", now);
    }

    /// <summary>The condition stood before a restart (its alarm is open): it ends with the next full window.</summary>
    public void Resume(string? lacked) => (IsActive, Lacked) = (true, lacked);

    /// <summary>The window takes other signals (the model changed): counting starts again.</summary>
    public void Restart() => _lacking = 0;
}
