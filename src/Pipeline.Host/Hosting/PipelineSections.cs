using Microsoft.Extensions.Configuration;
using Pipeline.Actors.Hosting;
using Pipeline.Actors.Inference;
using Pipeline.Host.Observing;
using Pipeline.Models.Alarms;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;

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
    public const string Http = "Pipeline:Http";
    public const string Scores = "Pipeline:Scores";
    public const string SensorDefaults = SensorCatalog.DefaultsSection;
    public const string Sensors = SensorCatalog.SensorsSection;

    /// <summary>Every settings group and the type it binds to (the per-sensor settings are the catalog's).</summary>
    public static readonly IReadOnlyList<(string Section, Type Type)> Groups =
    [
        (Mqtt, typeof(MqttOptions)),
        (Store, typeof(StoreOptions)),
        (Telemetry, typeof(TelemetryLimits)),
        (EmbeddedBroker, typeof(EmbeddedBrokerOptions)),
        (Ingest, typeof(IngestOptions)),
        (Cluster, typeof(ClusterNodeOptions)),
        (Models, typeof(InferenceOptions)),
        (Alarms, typeof(AlarmSettings)),
        (Http, typeof(HttpOptions)),
        (Scores, typeof(ScoreOptions)),
    ];

    /// <summary>Each configured sensor starts from the defaults and overrides what its own section sets.</summary>
    public static void BindCatalog(IConfiguration configuration, SensorCatalog catalog)
    {
        configuration.GetSection(SensorDefaults).Bind(catalog.Defaults);
        foreach (var sensor in configuration.GetSection(Sensors).GetChildren())
        {
            var settings = catalog.Defaults.Copy();
            sensor.Bind(settings);
            catalog.Sensors[sensor.Key] = settings;
        }
    }
}
