using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Support;

/// <summary>
/// A device that publishes readings seq = from..to at QoS 1 and does not give up: while the broker is away it
/// reconnects and sends again whatever was not acknowledged (so a reading may arrive twice, never not at all).
/// </summary>
public sealed class TelemetryPublisher(BrokerEndpoint broker, string certsDirectory, string device)
{
    private const int Window = 50;

    public long Published { get; private set; }

    public async Task PublishAsync(long from, long to, CancellationToken cancellation, Func<long, string>? payload = null)
    {
        payload ??= seq => Telemetry.Payload(seq);
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = MutualTlsClientOptions.For(broker, certsDirectory, device).WithTimeout(TimeSpan.FromSeconds(5)).Build();
        for (var start = from; start <= to; start += Window)
        {
            var end = Math.Min(start + Window - 1, to);
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                try
                {
                    if (!client.IsConnected)
                    {
                        await client.ConnectAsync(options, cancellation);
                    }

                    var sends = new List<Task<MqttClientPublishResult>>();
                    for (var seq = start; seq <= end; seq++)
                    {
                        sends.Add(client.PublishAsync(new MqttApplicationMessageBuilder()
                            .WithTopic(TopicContract.Telemetry(device))
                            .WithPayload(payload(seq))
                            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                            .Build(), cancellation));
                    }

                    var results = await Task.WhenAll(sends);
                    if (results.All(r => r.IsSuccess))
                    {
                        Published = end - from + 1;
                        break;
                    }
                }
                catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException or IOException
                                              && !cancellation.IsCancellationRequested)
                {
                    // The broker is restarting: send this window again once it is back.
                }

                await Task.Delay(100, cancellation);
            }
        }

        if (client.IsConnected)
        {
            await client.DisconnectAsync(cancellationToken: CancellationToken.None);
        }
    }
}
