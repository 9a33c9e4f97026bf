namespace Pipeline.Host.Hosting;

/// <summary>Configuration sections; as environment variables, <c>:</c> becomes <c>__</c> (<c>Pipeline__Store__Path</c>).</summary>
internal static class PipelineSections
{
    public const string Mqtt = "Pipeline:Mqtt";
    public const string Store = "Pipeline:Store";
    public const string Telemetry = "Pipeline:Telemetry";
    public const string EmbeddedBroker = "Pipeline:EmbeddedBroker";
    public const string Ingest = "Pipeline:Ingest";
    public const string Cluster = "Pipeline:Cluster";
    public const string Models = "Pipeline:Models";
    public const string Alarms = "Pipeline:Alarms";
    public const string SensorDefaults = "Pipeline:SensorDefaults";
    public const string Sensors = "Pipeline:Sensors";
}
