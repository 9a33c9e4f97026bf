namespace Pipeline.Actors.Sensors;

/// <summary>Registry key of the sensors' shard region (<c>IRequiredActor&lt;SensorRegion&gt;</c>).</summary>
public sealed class SensorRegion;
