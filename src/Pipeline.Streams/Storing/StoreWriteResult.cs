using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <param name="NewReadings">The readings stored for the first time, in batch order.</param>
/// <param name="Duplicates">Readings already stored (a redelivery after a crash or reconnect): kept once.</param>
/// <param name="Rejects">The messages stored as rejects: those given, and <paramref name="Refused"/>.</param>
/// <param name="Refused">
/// Readings the store refused, each with the reject it kept: a sequence number stored before with another measurement
/// time (<see cref="RejectReason.SequenceReused"/>), which no redelivery has. They go to no sensor: nothing of them is stored.
/// </param>
public sealed record StoreWriteResult(IReadOnlyList<Reading> NewReadings, int Duplicates, int Rejects, IReadOnlyList<(Reading Reading, RejectedMessage Reject)> Refused)
{
    public int Inserted => NewReadings.Count;
}
