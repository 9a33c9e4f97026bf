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

    /// <summary>Registered and seen sensors, for <c>pipeline sensors list</c>.</summary>
    Task<IReadOnlyList<SensorListing>> ListSensorsAsync(CancellationToken cancellation);
}

/// <summary>One row of <c>pipeline sensors list</c>.</summary>
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
    long Gaps = 0);
