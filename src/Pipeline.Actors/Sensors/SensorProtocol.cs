using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Actors.Sensors;

/// <summary>A message for one sensor's actor; the shard extractor routes on <see cref="SensorId"/>.</summary>
public interface IWithSensorId
{
    string SensorId { get; }
}

/// <summary>A stored reading for the sensor's window. Replied to with <see cref="ReadingRecorded"/>.</summary>
public sealed record RecordReading(Reading Reading) : IWithSensorId
{
    public string SensorId => Reading.SensorId;
}

/// <summary>
/// One sensor's stored readings of one store batch, in receive order: one message per sensor and batch instead of one
/// per reading. Replied to with <see cref="ReadingsRecorded"/>, one outcome per reading, in the same order.
/// </summary>
public sealed record RecordReadings(string SensorId, IReadOnlyList<Reading> Readings) : IWithSensorId;

public sealed record ReadingsRecorded(string SensorId, IReadOnlyList<ReadingRecorded> Readings);

/// <param name="Window">The window that became due with this reading, if any.</param>
public sealed record ReadingRecorded(string SensorId, long Sequence, SequenceVerdict Verdict, string? Reason, SensorWindow? Window);

/// <summary>
/// The ingest stream restarted: readings this actor took may come again from the broker, their verdicts not stored.
/// The actor passivates and its next incarnation refills its window from the store before the first reading it gets,
/// as after a node restart, so it takes them again instead of rejecting them as out of order. Replied to with
/// <see cref="Rewound"/> once the shard holds later messages for the next incarnation.
/// </summary>
public sealed record Rewind(string SensorId) : IWithSensorId;

public sealed record Rewound(string SensorId);

/// <summary>Starts a registered sensor's actor without a reading, so that it can go offline if none ever comes.</summary>
public sealed record WakeUp(string SensorId) : IWithSensorId;

/// <summary>Replied to with the sensor's <see cref="SensorStatus"/>.</summary>
public sealed record GetSensorStatus(string SensorId) : IWithSensorId;
