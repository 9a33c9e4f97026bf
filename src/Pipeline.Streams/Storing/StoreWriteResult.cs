namespace Pipeline.Streams.Storing;

/// <param name="Duplicates">Readings already stored (a redelivery after a crash or reconnect): kept once.</param>
public readonly record struct StoreWriteResult(int Inserted, int Duplicates, int Rejects);
