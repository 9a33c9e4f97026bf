namespace Pipeline.Models.Alarms;

/// <summary>One change of one alarm, as journalled and published.</summary>
public sealed record AlarmChange(Alarm Alarm, AlarmTransition Transition, long At);

/// <summary>Where alarm state survives a restart: every transition journalled, the current state kept.</summary>
public interface IAlarmJournal
{
    Task RecordAsync(IReadOnlyList<AlarmChange> changes, CancellationToken cancellation);

    /// <summary>Alarms not in the normal state, to pick up after a restart.</summary>
    IReadOnlyList<Alarm> LoadOpen();
}
