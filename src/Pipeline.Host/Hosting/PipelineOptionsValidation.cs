using System.Net;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Hosting;
using Pipeline.Actors.Inference;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Security;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Hosting;

/// <summary>
/// Checks every settings group at start-up. Each failure names the configuration key (and so its environment
/// variable, with <c>__</c> for <c>:</c>), the value and what is allowed: bad config stops the node before it runs.
/// </summary>
internal sealed class PipelineOptionsValidation :
    IValidateOptions<MqttOptions>,
    IValidateOptions<StoreOptions>,
    IValidateOptions<TelemetryLimits>,
    IValidateOptions<EmbeddedBrokerOptions>,
    IValidateOptions<IngestOptions>,
    IValidateOptions<ClusterNodeOptions>,
    IValidateOptions<SensorCatalog>,
    IValidateOptions<InferenceOptions>,
    IValidateOptions<AlarmSettings>
{
    public ValidateOptionsResult Validate(string? name, AlarmSettings options)
    {
        var errors = new List<string>();
        Range(errors, $"{PipelineSections.Alarms}:OnDelayWindows", options.OnDelayWindows, 1, 1000);
        Range(errors, $"{PipelineSections.Alarms}:OnDelayAnomalous", options.OnDelayAnomalous, 1, options.OnDelayWindows);
        Range(errors, $"{PipelineSections.Alarms}:ClearWindows", options.ClearWindows, 1, 100_000);
        Range(errors, $"{PipelineSections.Alarms}:ChatterCycles", options.ChatterCycles, 2, 1000);
        Positive(errors, $"{PipelineSections.Alarms}:ChatterPeriod", options.ChatterPeriod);
        if (options.ClearFraction is <= 0 or > 1)
        {
            errors.Add($"{PipelineSections.Alarms}:ClearFraction is {options.ClearFraction}; it must be in (0, 1]");
        }

        if (!(options.MediumRatio >= 1 && options.HighRatio >= options.MediumRatio))
        {
            errors.Add($"{PipelineSections.Alarms}: MediumRatio ({options.MediumRatio}) must be at least 1 and HighRatio ({options.HighRatio}) at least MediumRatio");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        var errors = new List<string>();
        Range(errors, $"{PipelineSections.Models}:BatchSize", options.BatchSize, 1, 4096);
        if (options.MaxBatchDelay < TimeSpan.Zero)
        {
            errors.Add($"{PipelineSections.Models}:MaxBatchDelay ({options.MaxBatchDelay}) must not be negative");
        }
        Range(errors, $"{PipelineSections.Models}:LearningReadings", options.LearningReadings, 0, 1_000_000);
        Positive(errors, $"{PipelineSections.Models}:CalibrationReload", options.CalibrationReload);
        if (options.Backend is not ("auto" or "torchsharp" or "portable"))
        {
            errors.Add($"{PipelineSections.Models}:Backend '{options.Backend}' is not auto, torchsharp or portable");
        }

        var bundle = Path.Combine(options.Directory, Pipeline.Streams.Ingesting.ModelWatcher.ActiveName(options));
        if (!File.Exists(Path.Combine(bundle, ModelBundle.ManifestFile)))
        {
            errors.Add($"{PipelineSections.Models}:Active '{options.Active}': no bundle at {bundle} (check {PipelineSections.Models}:Directory, or train one with 'pipeline train')");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var errors = new List<string>();
        Range(errors, $"{PipelineSections.Ingest}:Parallelism", options.Parallelism, 1, 4096);
        Positive(errors, $"{PipelineSections.Ingest}:AskTimeout", options.AskTimeout);
        Positive(errors, $"{PipelineSections.Ingest}:RestartDelay", options.RestartDelay);
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, ClusterNodeOptions options)
    {
        var errors = new List<string>();
        Range(errors, $"{PipelineSections.Cluster}:Port", options.Port, 0, 65_535);
        Range(errors, $"{PipelineSections.Cluster}:NumberOfShards", options.NumberOfShards, 1, 10_000);
        Range(errors, $"{PipelineSections.Cluster}:RebalanceAbsoluteLimit", options.RebalanceAbsoluteLimit, 1, 10_000);
        Positive(errors, $"{PipelineSections.Cluster}:PassivateIdleAfter", options.PassivateIdleAfter);
        if (options.RebalanceRelativeLimit is <= 0 or > 1)
        {
            errors.Add($"{PipelineSections.Cluster}:RebalanceRelativeLimit is {options.RebalanceRelativeLimit}; it must be in (0, 1]");
        }

        for (var i = 0; i < options.SeedNodes.Count; i++)
        {
            if (!Akka.Actor.Address.TryParse(options.SeedNodes[i], out _))
            {
                errors.Add($"{PipelineSections.Cluster}:SeedNodes:{i} '{options.SeedNodes[i]}' is not an address like akka.tcp://pipeline@10.0.0.2:4053");
            }
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, SensorCatalog options)
    {
        var errors = new List<string>();
        ValidateSensor(errors, PipelineSections.SensorDefaults, options.Defaults);
        foreach (var (sensor, settings) in options.Sensors)
        {
            if (IdentityName.Validate(sensor) is { } error)
            {
                errors.Add($"{PipelineSections.Sensors}:{sensor}: {error}");
            }

            ValidateSensor(errors, $"{PipelineSections.Sensors}:{sensor}", settings);
        }

        return Result(errors);
    }

    private static void ValidateSensor(List<string> errors, string key, SensorSettings settings)
    {
        Positive(errors, $"{key}:SamplingPeriod", settings.SamplingPeriod);
        Positive(errors, $"{key}:OfflineAfter", settings.OfflineAfter);
        Range(errors, $"{key}:StuckCount", settings.StuckCount, 2, 1_000_000);
        Range(errors, $"{key}:PulsationBaseline", settings.PulsationBaseline, 1, 1_000_000);
        if (settings.PulsationFactor != 0 && !(settings.PulsationFactor >= 2))
        {
            errors.Add($"{key}:PulsationFactor is {settings.PulsationFactor}; it must be 0 (off) or at least 2");
        }
        if (settings.GapFactor < 1)
        {
            errors.Add($"{key}:GapFactor is {settings.GapFactor}; it must be at least 1");
        }

        foreach (var (signal, bounds) in settings.Limits)
        {
            if (!(bounds.Min < bounds.Max))
            {
                errors.Add($"{key}:Limits:{signal}: Min ({bounds.Min}) must be below Max ({bounds.Max})");
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Broker))
        {
            try
            {
                BrokerEndpoint.Parse(options.Broker);
            }
            catch (FormatException e)
            {
                errors.Add($"{PipelineSections.Mqtt}:Broker: {e.Message}");
            }
        }

        if (IdentityName.Validate(options.Identity) is { } identityError)
        {
            errors.Add($"{PipelineSections.Mqtt}:Identity '{options.Identity}': {identityError}");
        }

        Range(errors, $"{PipelineSections.Mqtt}:MaxInFlight", options.MaxInFlight, 1, 65_535);
        Positive(errors, $"{PipelineSections.Mqtt}:SessionExpiry", options.SessionExpiry);
        Positive(errors, $"{PipelineSections.Mqtt}:ReconnectMinDelay", options.ReconnectMinDelay);
        if (options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            errors.Add($"{PipelineSections.Mqtt}:ReconnectMaxDelay ({options.ReconnectMaxDelay}) must not be below ReconnectMinDelay ({options.ReconnectMinDelay})");
        }

        if (!Directory.Exists(options.CertsDirectory))
        {
            errors.Add($"{PipelineSections.Mqtt}:CertsDirectory '{options.CertsDirectory}' does not exist; create it with 'pipeline certs init --dir {options.CertsDirectory}'");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            errors.Add($"{PipelineSections.Store}:Path is empty");
        }

        Range(errors, $"{PipelineSections.Store}:BatchSize", options.BatchSize, 1, 10_000);
        Positive(errors, $"{PipelineSections.Store}:BusyTimeout", options.BusyTimeout);
        Positive(errors, $"{PipelineSections.Store}:RetentionInterval", options.RetentionInterval);
        if (options.Retention < TimeSpan.Zero)
        {
            errors.Add($"{PipelineSections.Store}:Retention must be zero (keep everything) or positive, not {options.Retention}");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, TelemetryLimits options)
    {
        var errors = new List<string>();
        Range(errors, $"{PipelineSections.Telemetry}:MaxPayloadBytes", options.MaxPayloadBytes, 64, 65_536);
        Range(errors, $"{PipelineSections.Telemetry}:MaxSignals", options.MaxSignals, 1, 256);
        Positive(errors, $"{PipelineSections.Telemetry}:MaxClockSkew", options.MaxClockSkew);
        Positive(errors, $"{PipelineSections.Telemetry}:MaxAge", options.MaxAge);
        foreach (var (signal, bounds) in options.Bounds)
        {
            if (!(bounds.Min < bounds.Max))
            {
                errors.Add($"{PipelineSections.Telemetry}:Bounds:{signal}: Min ({bounds.Min}) must be below Max ({bounds.Max})");
            }
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, EmbeddedBrokerOptions options)
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            errors.Add($"{PipelineSections.EmbeddedBroker}:BindAddress '{options.BindAddress}' is not an IP address");
        }

        Range(errors, $"{PipelineSections.EmbeddedBroker}:Port", options.Port, 1, 65_535);
        Range(errors, $"{PipelineSections.EmbeddedBroker}:MaxPendingMessagesPerClient", options.MaxPendingMessagesPerClient, 1, 10_000_000);
        Range(errors, $"{PipelineSections.EmbeddedBroker}:MaxConnections", options.MaxConnections, 1, 100_000);
        Range(errors, $"{PipelineSections.EmbeddedBroker}:MaxPacketBytes", options.MaxPacketBytes, 1024, 268_435_455);
        Positive(errors, $"{PipelineSections.EmbeddedBroker}:HandshakeTimeout", options.HandshakeTimeout);
        Positive(errors, $"{PipelineSections.EmbeddedBroker}:ConnectTimeout", options.ConnectTimeout);
        return Result(errors);
    }

    private static void Range(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{key} is {value}; it must be between {min} and {max}");
        }
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} is {value}; it must be positive");
        }
    }

    private static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
