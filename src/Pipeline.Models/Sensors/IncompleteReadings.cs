using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// Whether a sensor's window fills, so the model can judge it. A reading that lacks a signal the model needs restarts
/// the window, and so does a gap (a reading late or missing by more than the sensor's gap allowance): a device that
/// stopped sending a signal — a probe unplugged, firmware that leaves out a field it cannot read — or that sends less
/// often than its sampling period says would never be judged by the model again, with nothing but a log line to say so.
/// After <see cref="RestartsBeforeAlarm"/> restarts with no full window between them the condition starts (an alarm:
/// the model is blind to the sensor); it ends when the window is full again. Counted over the window, not in a row: a
/// signal missing from every other reading keeps the window from filling as surely as one gone for good.
/// </summary>
public sealed class IncompleteReadings(string sensorId)
{
    /// <summary>Restarts of the window, with no full window between them, before the condition starts.</summary>
    public const int RestartsBeforeAlarm = 10;

    private int _restarts;

    public bool IsActive => Why is not null;

    /// <summary>Why the window restarted when the condition started, while it stands; null while it does not.</summary>
    public string? Why { get; private set; }

    /// <summary>
    /// <paramref name="reading"/> restarted the window: it lacks a signal of <paramref name="spec"/>, or came after a gap
    /// (<paramref name="gap"/>, the sequence check's reason). The condition's start, once.
    /// </summary>
    public HealthEvent? Restarted(Reading reading, string? gap, WindowSpec spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reading);
        ArgumentNullException.ThrowIfNull(spec);
        if (IsActive || ++_restarts < RestartsBeforeAlarm)
        {
            return null;
        }

        var lacked = spec.Signals.Where(s => !reading.Values.ContainsKey(s)).ToArray();
        Why = lacked.Length > 0 ? $"readings lack {string.Join(", ", lacked)}" : gap ?? "its window restarted";
        return new HealthEvent(sensorId, HealthCondition.Incomplete, lacked.Length > 0 ? string.Join(",", lacked) : null, true,
            $"{(lacked.Length > 0 ? "readings lack it" : gap)}: its window restarted {_restarts} times since it was last full; the model does not judge this sensor until {spec.Length} readings in a row come without a gap, each with every signal it needs ({string.Join(", ", spec.Signals)})",
            now);
    }

    /// <summary>The window is full: the condition's end, if it stood. Asked with every reading; usually nothing happens.</summary>
    public HealthEvent? Filled(DateTimeOffset now)
    {
        _restarts = 0;
        if (!IsActive)
        {
            return null;
        }

        Why = null;
        return new HealthEvent(sensorId, HealthCondition.Incomplete, null, false, "its window is full again; judged from this window on", now);
    }

    /// <summary>The condition stood before a restart (its alarm is open): it ends with the next full window.</summary>
    public void Resume(string? signal) => Why = signal is null ? "its window restarted" : $"readings lack {signal.Replace(",", ", ", StringComparison.Ordinal)}";

    /// <summary>The window takes other signals (the model changed): counting starts again.</summary>
    public void Restart() => _restarts = 0;
}
