using MQTTnet;

namespace Pipeline.Streams.Subscribing;

/// <summary>
/// A QoS 1 message from the broker that has not been acknowledged yet. It carries its own ack: the PUBACK is sent
/// by <see cref="Acknowledge"/>, once everything the message caused is stored.
/// </summary>
public sealed class IncomingMessage
{
    private readonly MqttApplicationMessageReceivedEventArgs _delivery;

    internal IncomingMessage(string topic, ReadOnlyMemory<byte> payload, bool duplicate, DateTimeOffset receivedAt, MqttApplicationMessageReceivedEventArgs delivery)
    {
        Topic = topic;
        Payload = payload;
        Duplicate = duplicate;
        ReceivedAt = receivedAt;
        _delivery = delivery;
    }

    public string Topic { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The broker's DUP flag: it may have been delivered before (the store keeps it once).</summary>
    public bool Duplicate { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>
    /// Sends the PUBACK. MQTT wants acks in receive order; issuing them in order without awaiting each one keeps full
    /// speed (awaiting one at a time halves it), so the caller gets the task to observe, not to await in line.
    /// </summary>
    public Task Acknowledge(CancellationToken cancellation)
    {
        try
        {
            return _delivery.AcknowledgeAsync(cancellation);
        }
        catch (Exception e)
        {
            // MQTTnet throws synchronously when the connection it came on is gone (it is redelivered on the next one).
            return Task.FromException(e);
        }
    }
}
