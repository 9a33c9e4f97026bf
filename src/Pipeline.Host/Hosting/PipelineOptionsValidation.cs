using System.Net;
using Microsoft.Extensions.Options;
using Pipeline.Models.Security;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;
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
    IValidateOptions<EmbeddedBrokerOptions>
{
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
        Positive(errors, $"{PipelineSections.Store}:FlushInterval", options.FlushInterval);
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
