using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;

namespace Pipeline.Host.Cli;

/// <summary>
/// A simulated device's MQTT session, as an ESP32's firmware keeps one: up to <see cref="MaxInFlight"/> readings await
/// their PUBACK at once (the broker's pace, not the round trip, sets the rate); when the broker goes away (restarted,
/// unreachable) the device reconnects with backoff and sends again, in order, every reading it did not acknowledge — a
/// duplicate the node already has is dropped there by its sequence. Only the first connection's failure is an error.
/// </summary>
internal sealed class SimulatedDeviceSession(BrokerEndpoint endpoint, string certs, string device, SimulatedLinkReport report) : IDisposable
{
    private const int MaxInFlight = 64;
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Queue<(byte[] Payload, Task Ack)> _unacknowledged = new();
    private readonly string _topic = TopicContract.Telemetry(device);

    /// <summary>The first connection: its failure is the user's to fix, said with the device it happened to.</summary>
    public async Task ConnectAsync(CancellationToken stop)
    {
        try
        {
            await _client.ConnectAsync(Options(), stop);
        }
        catch (MqttCommunicationException e) when (e.GetBaseException() is IOException or SocketException { SocketErrorCode: SocketError.NotConnected or SocketError.ConnectionReset })
        {
            // Mosquitto takes the connection and closes it, saying nothing, both when it refuses the device's certificate and
            // when it is at max_connections; the client reads only an early end of its handshake.
            throw new MqttCommunicationException(
                $"closed {device}'s connection as it opened: it refuses that device's certificate, or it is at its connection limit", e);
        }
    }

    /// <summary>Publishes one reading; returns once fewer than <see cref="MaxInFlight"/> await their acknowledgement.</summary>
    public async Task SendAsync(byte[] payload, CancellationToken stop)
    {
        _unacknowledged.Enqueue((payload, Publish(payload, stop)));
        while (_unacknowledged.Count >= MaxInFlight || (_unacknowledged.Count > 0 && _unacknowledged.Peek().Ack.IsCompleted))
        {
            await SettleOldestAsync(stop);
        }
    }

    /// <summary>Waits until the broker acknowledged every reading sent, then disconnects.</summary>
    public async Task CloseAsync(CancellationToken stop)
    {
        while (_unacknowledged.Count > 0)
        {
            await SettleOldestAsync(stop);
        }

        await _client.DisconnectAsync(cancellationToken: CancellationToken.None);
    }

    public void Dispose() => _client.Dispose();

    private async Task SettleOldestAsync(CancellationToken stop)
    {
        try
        {
            await _unacknowledged.Peek().Ack;
            _unacknowledged.Dequeue();
        }
        catch (MqttCommunicationException e) when (!stop.IsCancellationRequested)
        {
            report.Lost(device, e.Message);
            await ReconnectAsync(stop);
            var again = _unacknowledged.Select(u => u.Payload).ToList();
            _unacknowledged.Clear();
            foreach (var payload in again)
            {
                _unacknowledged.Enqueue((payload, Publish(payload, stop)));
            }

            report.Resent(again.Count);
        }
    }

    private async Task ReconnectAsync(CancellationToken stop)
    {
        var delay = FirstRetry;
        while (true)
        {
            try
            {
                if (_client.IsConnected)
                {
                    // A publish can fail while the client still holds its half-closed connection; it refuses to connect over it.
                    await _client.DisconnectAsync(cancellationToken: stop);
                }

                await _client.ConnectAsync(Options(), stop);
                report.Reconnected();
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested && e is MqttCommunicationException or InvalidOperationException)
            {
                await Task.Delay(delay, stop);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private Task Publish(byte[] payload, CancellationToken stop)
    {
        try
        {
            return _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(_topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), stop);
        }
        catch (MqttCommunicationException e)
        {
            return Task.FromException(e); // not connected: settled, and sent again, in order with the rest
        }
    }

    private MqttClientOptions Options() => MutualTlsClientOptions.For(endpoint, certs, device).Build();
}

/// <summary>What a simulated fleet's sessions went through, said once for the fleet rather than once per device.</summary>
internal sealed class SimulatedLinkReport
{
    private int _lost;
    private long _reconnects;
    private long _resent;

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long ResentReadings => Interlocked.Read(ref _resent);

    public void Lost(string device, string reason)
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0)
        {
            Console.Error.WriteLine($"{device}: lost the broker ({reason}); the devices reconnect with backoff and send again what it did not acknowledge");
        }
    }

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    public void Resent(int readings) => Interlocked.Add(ref _resent, readings);
}
