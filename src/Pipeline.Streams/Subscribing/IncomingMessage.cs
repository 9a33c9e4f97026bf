using MQTTnet;

namespace Pipeline.Streams.Subscribing;

/// <summary>
/// A QoS 1 message from the broker that has not been acknowledged yet. It carries its own ack: the PUBACK is sent
/// by <see cref="Acknowledge"/>, once everything the message caused is stored.
/// </summary>
public sealed class IncomingMessage
{
    private readonly MqttApplicationMessageReceivedEventArgs _delivery;
    private readonly CancellationToken _connection;

    /// <param name="connection">Cancelled as the connection the message came on closes (<see cref="TelemetryIntake"/>).</param>
    internal IncomingMessage(string topic, ReadOnlyMemory<byte> payload, bool duplicate, DateTimeOffset receivedAt, MqttApplicationMessageReceivedEventArgs delivery, CancellationToken connection)
    {
        Topic = topic;
        Payload = payload;
        Duplicate = duplicate;
        ReceivedAt = receivedAt;
        _delivery = delivery;
        _connection = connection;
    }

    public string Topic { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The broker's DUP flag: it may have been delivered before (the store keeps it once).</summary>
    public bool Duplicate { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>
    /// Sends the PUBACK. MQTT wants acks in receive order; issuing them in order without awaiting each one keeps full
    /// speed (awaiting one at a time halves it), so the caller gets the task to observe, not to await in line.
    /// <para>
    /// The task ends with the connection at the latest: MQTTnet's send lock can leave a PUBACK waiting for good when the
    /// connection is disposed under it (<c>AsyncLock.EnterAsync</c> checks for disposal before it takes its lock, and a
    /// waiter queued after the disposal is never completed), and the stream waits for its acks in order. A node Mosquitto
    /// dropped under a 10,000-device burst reconnected to its session and stored nothing more, its stream waiting on such
    /// an ack (a dump of it; bench/README.md, #17). Only the connection's closing cancels it: a PUBACK of a stored
    /// reading is worth sending for as long as the connection lasts.
    /// </para>
    /// </summary>
    public Task Acknowledge()
    {
        try
        {
            return _delivery.AcknowledgeAsync(_connection);
        }
        catch (Exception e)
        {
            // MQTTnet throws synchronously when the connection it came on is gone (it is redelivered on the next one).
            return Task.FromException(e);
        }
    }
}
