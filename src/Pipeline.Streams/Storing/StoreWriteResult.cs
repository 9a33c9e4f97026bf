using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <param name="NewReadings">The readings stored for the first time, in batch order.</param>
/// <param name="Duplicates">Readings already stored (a redelivery after a crash or reconnect): kept once.</param>
public sealed record StoreWriteResult(IReadOnlyList<Reading> NewReadings, int Duplicates, int Rejects)
{
    public int Inserted => NewReadings.Count;
}
