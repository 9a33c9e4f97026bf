using Akka.Actor;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Detection;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Ingesting;

/// <summary>The sensors' shard region: one <see cref="RecordReadings"/> per sensor and batch, asked in parallel.</summary>
public sealed class ShardedSensorFleet(IActorRef region, TimeSpan askTimeout) : ISensorFleet
{
    public async Task<IReadOnlyList<Verdict>> RecordAsync(IReadOnlyList<Reading> readings, CancellationToken cancellation)
    {
        var recorded = await Task.WhenAll(readings.GroupBy(r => r.SensorId, StringComparer.Ordinal)
            .Select(sensor => region.Ask<ReadingsRecorded>(new RecordReadings(sensor.Key, sensor.ToList()), askTimeout, cancellation)))
            .ConfigureAwait(false);
        return recorded.SelectMany(r => r.Verdicts).ToList();
    }
}
