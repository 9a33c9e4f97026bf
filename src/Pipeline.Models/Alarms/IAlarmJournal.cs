namespace Pipeline.Models.Alarms;

/// <summary>One change of one alarm, as journalled and published.</summary>
public sealed record AlarmChange(Alarm Alarm, AlarmTransition Transition, long At);

/// <summary>Where alarm state survives a restart: every transition journalled, the current state kept.</summary>
public interface IAlarmJournal
{
    /// <summary>Journals the changes and the alarms' new states in one transaction.</summary>
    Task RecordAsync(IReadOnlyList<AlarmChange> changes, CancellationToken cancellation);

    /// <summary>Alarms not in the normal state (or shelved) of <paramref name="sensorId"/>, or of every sensor when null.</summary>
    Task<IReadOnlyList<Alarm>> LoadOpenAsync(string? sensorId, CancellationToken cancellation);
}
