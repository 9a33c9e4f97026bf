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
        // A quiet node's batch is one reading of one sensor: asked as it is, without grouping (bench/README.md).
        if (OfOneSensor(readings))
        {
            var recorded = await Ask(readings[0].SensorId, readings, cancellation).ConfigureAwait(false);
            return recorded.Verdicts;
        }

        var all = await Task.WhenAll(readings.GroupBy(r => r.SensorId, StringComparer.Ordinal)
            .Select(sensor => Ask(sensor.Key, sensor.ToList(), cancellation)))
            .ConfigureAwait(false);
        return all.SelectMany(r => r.Verdicts).ToList();
    }

    private Task<ReadingsRecorded> Ask(string sensorId, IReadOnlyList<Reading> readings, CancellationToken cancellation) =>
        region.Ask<ReadingsRecorded>(new RecordReadings(sensorId, readings), askTimeout, cancellation);

    private static bool OfOneSensor(IReadOnlyList<Reading> readings)
    {
        for (var i = 1; i < readings.Count; i++)
        {
            if (!string.Equals(readings[i].SensorId, readings[0].SensorId, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return readings.Count > 0;
    }
}
