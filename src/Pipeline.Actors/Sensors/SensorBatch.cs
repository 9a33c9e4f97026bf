using Akka.Actor;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Actors.Sensors;

/// <summary>
/// One <see cref="RecordReadings"/> on its way through the sensor: how far its readings are taken, what each came to,
/// the windows they made due and the health transitions they caused. It can stop half-way (the learning period ended:
/// the rest waits for the calibration) and go on where it stopped.
/// </summary>
internal sealed class SensorBatch(IReadOnlyList<Reading> readings, IActorRef replyTo, long requestId = 0)
{
    private int _next;

    public IActorRef ReplyTo { get; } = replyTo;

    /// <summary>The request's number (<see cref="RecordReadings.RequestId"/>), returned with the answer or the failure.</summary>
    public long RequestId { get; } = requestId;

    public List<ReadingRecorded> Outcomes { get; } = new(readings.Count);

    public List<PreparedWindow> Windows { get; } = [];

    public List<HealthEvent> Health { get; } = [];

    /// <summary>The next reading to take, or null when every one is taken.</summary>
    public Reading? Next() => _next < readings.Count ? readings[_next++] : null;
}
