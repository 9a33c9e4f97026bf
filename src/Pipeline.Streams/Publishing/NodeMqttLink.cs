using Pipeline.Streams.Subscribing;

namespace Pipeline.Streams.Publishing;

/// <summary>
/// The node's one MQTT session, shared: the ingest service sets the current source (it is recreated when the graph
/// restarts), publishers send through it, and whoever must rewrite retained state hears when it (re)connects.
/// </summary>
public sealed class NodeMqttLink
{
    private MqttTelemetrySource? _current;

    public event Action? Connected;

    /// <summary>Operators' commands arriving on the node's session.</summary>
    public event Func<IncomingCommand, Task>? CommandReceived;

    public MqttTelemetrySource? Current => Volatile.Read(ref _current);

    public void Attach(MqttTelemetrySource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.Connected += () => Connected?.Invoke();
        source.CommandReceived += command => CommandReceived?.Invoke(command) ?? Task.CompletedTask;
        Volatile.Write(ref _current, source);
    }
}
