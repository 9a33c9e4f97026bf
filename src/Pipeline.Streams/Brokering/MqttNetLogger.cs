using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;

namespace Pipeline.Streams.Brokering;

/// <summary>Forwards MQTTnet's own log to Microsoft.Extensions.Logging (Serilog in the host).</summary>
internal sealed class MqttNetLogger(ILogger logger) : IMqttNetLogger
{
    public bool IsEnabled => logger.IsEnabled(LogLevel.Debug);

    public void Publish(MqttNetLogLevel logLevel, string source, string message, object[] parameters, Exception exception)
    {
        // MQTTnet reports a peer's failed handshake or dropped socket as an error; for the node those are the peer's
        // problem (and are refused by design), so they are warnings here. Our own failures surface where they happen.
        var level = logLevel switch
        {
            MqttNetLogLevel.Error or MqttNetLogLevel.Warning => LogLevel.Warning,
            MqttNetLogLevel.Info => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }

        var text = parameters is { Length: > 0 } ? string.Format(System.Globalization.CultureInfo.InvariantCulture, message, parameters) : message;
        logger.Log(level, exception, "MQTTnet {Source}: {Message}", source, text);
    }
}
