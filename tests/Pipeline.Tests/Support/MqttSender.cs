using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Support;

/// <summary>Sends any bytes to any topic as one identity, at QoS 1, a window at a time: the broker has each before the next window goes.</summary>
public static class MqttSender
{
    private const int Window = 50;

    /// <returns>How many the broker acknowledged (a refused publish is not counted).</returns>
    public static async Task<int> SendAsync(BrokerEndpoint broker, string certsDirectory, string identity, IEnumerable<(string Topic, byte[] Payload)> messages)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(MutualTlsClientOptions.For(broker, certsDirectory, identity).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        var acknowledged = 0;
        foreach (var window in messages.Chunk(Window))
        {
            var results = await Task.WhenAll(window.Select(m => client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(m.Topic)
                .WithPayload(m.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build())));
            acknowledged += results.Count(r => r.IsSuccess);
        }

        await client.DisconnectAsync();
        return acknowledged;
    }
}
