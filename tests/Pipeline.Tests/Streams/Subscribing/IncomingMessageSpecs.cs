using MQTTnet;
using MQTTnet.Packets;
using Pipeline.Streams.Subscribing;

namespace Pipeline.Tests.Streams.Subscribing;

/// <summary>
/// A message's acknowledgement ends with the connection it came on at the latest. MQTTnet's send lock can leave a
/// PUBACK waiting for good when the connection is disposed under it, and the ingest stream waits for its acks in order:
/// a node Mosquitto dropped under a 10,000-device burst reconnected and stored nothing more (#17).
/// </summary>
public sealed class IncomingMessageSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A delivery whose PUBACK is sent by <paramref name="send"/>, given the token the message passes it.</summary>
    private static IncomingMessage Delivered(Func<CancellationToken, Task> send, CancellationToken connection)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic("pipeline/esp32-01/telemetry").WithPayload("{}").Build();
        var delivery = new MqttApplicationMessageReceivedEventArgs("node", message, new MqttPublishPacket(), (_, token) => send(token));
        return new IncomingMessage(message.Topic, "{}"u8.ToArray(), false, DateTimeOffset.UtcNow, delivery, connection);
    }

    [Fact]
    public async Task Should_stop_waiting_for_its_acknowledgement_when_its_connection_closes()
    {
        using var connection = new CancellationTokenSource();
        // The PUBACK waits behind a send lock that nothing will ever release, as MQTTnet's disposed one did.
        var message = Delivered(token => Task.Delay(Timeout.Infinite, token), connection.Token);

        var acknowledging = message.Acknowledge();
        Assert.False(acknowledging.IsCompleted);

        await connection.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acknowledging.WaitAsync(Patience));
    }

    [Fact]
    public async Task Should_send_its_acknowledgement_for_as_long_as_its_connection_lasts()
    {
        using var connection = new CancellationTokenSource();
        var sent = new TaskCompletionSource();
        var message = Delivered(token => sent.Task.WaitAsync(token), connection.Token);

        var acknowledging = message.Acknowledge();
        sent.SetResult();

        await acknowledging.WaitAsync(Patience);
        Assert.True(acknowledging.IsCompletedSuccessfully);
    }
}
