namespace Pipeline.Models.Alarms;

/// <summary>Tells the outside world (SCADA over MQTT) about alarm changes; best effort — the journal is the record.</summary>
public interface IAlarmPublisher
{
    void Publish(IReadOnlyList<AlarmChange> changes);

    /// <summary>Re-publishes the full state of open alarms (after a reconnect, retained topics are rewritten).</summary>
    void PublishState(IReadOnlyList<Alarm> open);
}
