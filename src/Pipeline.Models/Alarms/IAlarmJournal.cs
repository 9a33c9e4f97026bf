using Pipeline.Models.Detection;

namespace Pipeline.Models.Alarms;

/// <summary>One change of one alarm, as journalled and published.</summary>
public sealed record AlarmChange(Alarm Alarm, AlarmTransition Transition, long At);

/// <summary>A stored verdict as the anomaly alarm saw it: what a restarted sensor needs to go on where it stopped.</summary>
public sealed record JudgedWindow(long LastSequence, double Score, double Threshold, bool Learning);

/// <summary>Where alarm state survives a restart: every transition journalled, the current state kept.</summary>
public interface IAlarmJournal
{
    /// <summary>
    /// Journals the changes, the alarms' new states and the verdicts of the batch that caused them, in one transaction.
    /// Verdicts stored once (unique per sensor and window) — so after a crash the sensor knows which windows its alarms
    /// have already seen, and a window redelivered after its alarm was journalled raises nothing twice (#15).
    /// </summary>
    Task RecordAsync(IReadOnlyList<AlarmChange> changes, IReadOnlyList<Verdict> judged, CancellationToken cancellation);

    /// <summary>Alarms not in the normal state (or shelved) of <paramref name="sensorId"/>, or of every sensor when null.</summary>
    Task<IReadOnlyList<Alarm>> LoadOpenAsync(string? sensorId, CancellationToken cancellation);

    /// <summary>The sensor's <paramref name="count"/> newest stored verdicts, oldest first.</summary>
    Task<IReadOnlyList<JudgedWindow>> LoadJudgedAsync(string sensorId, int count, CancellationToken cancellation);
}
