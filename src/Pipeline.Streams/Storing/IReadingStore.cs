using Pipeline.Models.Data;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <summary>The <c>readings</c> and <c>rejects</c> tables: what the devices sent, each reading once.</summary>
public interface IReadingStore : IReadingHistory
{
    /// <summary>
    /// Writes a batch in one transaction and returns only once it is durable: the node acknowledges a reading to the
    /// broker after this. A reading stored before (same sensor and sequence: a redelivery) is kept once.
    /// </summary>
    Task<StoreWriteResult> WriteAsync(IReadOnlyList<Reading> readings, IReadOnlyList<RejectedMessage> rejects, DateTimeOffset receivedAt, CancellationToken cancellation);

    /// <summary>
    /// The readings of <paramref name="sensorId"/> measured from <paramref name="measuredFrom"/> until (not including)
    /// <paramref name="measuredUntil"/>, in sequence order: training data. Without a sensor, every sensor's, in name
    /// order, one after another, each row naming its sensor (<see cref="SignalTable.Sensors"/>).
    /// </summary>
    Task<SignalTable> ReadSignalTableAsync(string? sensorId, DateTimeOffset? measuredFrom, DateTimeOffset? measuredUntil, CancellationToken cancellation);

    /// <summary>
    /// The measurement time of the newest reading stored (null when there is none): retention counts age back from it
    /// when the node's clock runs ahead (<see cref="RetentionService"/>).
    /// </summary>
    Task<DateTimeOffset?> NewestMeasuredAtAsync(CancellationToken cancellation);

    /// <summary>
    /// Deletes readings and rejects older than <paramref name="cutoff"/>, in chunks so that writers are not held up. Rows
    /// stamped after <paramref name="now"/> (stored while the clocks ran ahead) are kept, and do not keep the older rows
    /// stored after them from going.
    /// </summary>
    Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellation);
}
