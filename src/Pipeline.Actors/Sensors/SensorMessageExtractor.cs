using Akka.Cluster.Sharding;

namespace Pipeline.Actors.Sensors;

/// <summary>Routes <see cref="IWithSensorId"/> messages to the sensor's entity; shards by a stable hash of the id.</summary>
public sealed class SensorMessageExtractor(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
{
    public override string? EntityId(object message) => message switch
    {
        IWithSensorId m => m.SensorId,
        _ => null,
    };
}
