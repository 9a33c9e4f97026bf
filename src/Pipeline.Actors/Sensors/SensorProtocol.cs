using Akka.Actor;
using Akka.Util;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Actors.Sensors;

/// <summary>A message for one sensor's actor; the shard extractor routes on <see cref="SensorId"/>.</summary>
public interface IWithSensorId
{
    string SensorId { get; }
}

/// <summary>
/// One sensor's stored readings of one store batch, in receive order. Replied to with <see cref="ReadingsRecorded"/>
/// once the windows they made due are scored and judged and the alarms they changed are journalled, or with a
/// <see cref="Akka.Actor.Status.Failure"/> whose state is the request's number: both carry <see cref="RequestId"/> back,
/// so one long-lived actor can take the replies of many requests (<c>ShardedSensorFleet</c>).
/// </summary>
public sealed record RecordReadings(string SensorId, IReadOnlyList<Reading> Readings) : IWithSensorId, ISurrogated
{
    /// <summary>The sender's number for this request, returned with the reply; 0 when the sender does not need one.</summary>
    public long RequestId { get; init; }

    /// <summary>Always a list: between cluster nodes a message is rebuilt from its runtime types, and a collection expression's cannot be.</summary>
    public IReadOnlyList<Reading> Readings { get; init; } = Readings as List<Reading> ?? Readings.ToList();

    /// <summary>
    /// Between cluster nodes each reading travels as its names and values: the codec's compact signal values
    /// (<see cref="SignalDictionary"/>) cannot be rebuilt by the JSON serializer, and two arrays are smaller on the wire.
    /// </summary>
    public ISurrogate ToSurrogate(ActorSystem system) =>
        new RecordReadingsSurrogate(SensorId, RequestId, [.. Readings.Select(r => new ReadingSurrogate(r.TimestampMs, r.Sequence, [.. r.Values.Keys], [.. r.Values.Values]))]);
}

/// <summary><see cref="RecordReadings"/> as it crosses the wire.</summary>
public sealed record RecordReadingsSurrogate(string SensorId, long RequestId, List<ReadingSurrogate> Readings) : ISurrogate
{
    public ISurrogated FromSurrogate(ActorSystem system) =>
        new RecordReadings(SensorId, Readings.Select(r => new Reading(SensorId, r.TimestampMs, r.Sequence, new SignalDictionary(r.Names, r.Values))).ToList())
        {
            RequestId = RequestId,
        };
}

/// <summary>One reading of a <see cref="RecordReadingsSurrogate"/>: its signals' names and values, index for index.</summary>
public sealed record ReadingSurrogate(long TimestampMs, long Sequence, string[] Names, double[] Values);

/// <param name="Readings">
/// What the sequence check made of each reading the sensor took with this batch, in sequence order: one that came
/// before a missing predecessor is taken (and listed) with the batch that brings it, or the first one after its wait.
/// </param>
/// <param name="Verdicts">The verdicts of the windows the readings made due, in order.</param>
public sealed record ReadingsRecorded(string SensorId, IReadOnlyList<ReadingRecorded> Readings, IReadOnlyList<Verdict> Verdicts)
{
    /// <summary>The <see cref="RecordReadings.RequestId"/> this answers.</summary>
    public long RequestId { get; init; }

    public IReadOnlyList<ReadingRecorded> Readings { get; init; } = Readings as List<ReadingRecorded> ?? Readings.ToList();

    public IReadOnlyList<Verdict> Verdicts { get; init; } = Verdicts as List<Verdict> ?? Verdicts.ToList();
}

public sealed record ReadingRecorded(long Sequence, SequenceVerdict Verdict, string? Reason);

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

/// <summary>An operator's acknowledgement (from SCADA over MQTT, or the CLI). Replied to with <see cref="AlarmCommandOutcome"/>.</summary>
public sealed record AcknowledgeAlarm(string SensorId, AlarmType Type, string By) : IWithSensorId;

/// <summary>Shelve an alarm for a time. Replied to with <see cref="AlarmCommandOutcome"/>.</summary>
public sealed record ShelveAlarm(string SensorId, AlarmType Type, TimeSpan Duration, string By) : IWithSensorId;

/// <summary>What became of an operator's command: done, with the alarm's state once journalled, or refused and why.</summary>
public sealed record AlarmCommandOutcome(bool Done, string Detail, Alarm? Alarm);
