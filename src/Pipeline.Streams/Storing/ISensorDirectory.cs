using Pipeline.Models.Sensors;

namespace Pipeline.Streams.Storing;

/// <summary>The <c>sensors</c> table: registrations (<c>pipeline sensors add</c>) and the status the sensor actors report.</summary>
public interface ISensorDirectory
{
    /// <summary>Registers (or re-registers) a sensor; its status columns are kept.</summary>
    Task RegisterSensorAsync(SensorRegistration registration, CancellationToken cancellation);

    /// <summary>Every registered sensor.</summary>
    Task<IReadOnlyList<SensorRegistration>> RegisteredSensorsAsync(CancellationToken cancellation);

    /// <summary>Writes the latest status of each sensor in one transaction.</summary>
    Task UpsertSensorStatusAsync(IReadOnlyCollection<SensorStatus> statuses, CancellationToken cancellation);

    /// <summary>
    /// The node's own row in <c>nodes</c>: running, seen at <paramref name="at"/>, or stopped then. From it <c>pipeline
    /// sensors list</c> tells a sensor's current health from what a node that no longer runs last wrote.
    /// </summary>
    Task RecordNodeAsync(string node, DateTimeOffset at, bool stopped, CancellationToken cancellation);

    /// <summary>Deletes the rows of nodes not seen since <paramref name="before"/> that no sensor names; how many.</summary>
    Task<int> ForgetNodesAsync(DateTimeOffset before, CancellationToken cancellation);

    /// <summary>Registered and seen sensors, for <c>pipeline sensors list</c>.</summary>
    Task<IReadOnlyList<SensorListing>> ListSensorsAsync(CancellationToken cancellation);
}

/// <summary>
/// One row of <c>pipeline sensors list</c>, with when the node that wrote its status was last seen running and when it
/// stopped (null when it runs, or when that node kept no row: a version before).
/// </summary>
public sealed record SensorListing(
    string SensorId,
    string? DisplayName,
    string? Location,
    DateTimeOffset? RegisteredAt,
    DateTimeOffset? LastSeen,
    long? LastSequence,
    int WindowFill,
    int WindowLength,
    string? Health,
    string? Node,
    long Duplicates = 0,
    long OutOfOrder = 0,
    long Gaps = 0,
    DateTimeOffset? NodeSeenAt = null,
    DateTimeOffset? NodeStoppedAt = null);
