using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Support;

/// <summary>An MQTTnet client for specs: connect as an identity, subscribe, publish, and read what arrived.</summary>
public sealed class MqttTestClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<MqttApplicationMessage> _received = Channel.CreateUnbounded<MqttApplicationMessage>();

    private MqttTestClient(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client => _client;

    public static async Task<MqttTestClient> ConnectAsync(
        BrokerEndpoint broker, string certsDirectory, string identity, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var client = new MqttTestClient(new MqttClientFactory().CreateMqttClient());
        var options = MutualTlsClientOptions.For(broker, certsDirectory, identity).WithProtocolVersion(version).Build();
        var result = await client._client.ConnectAsync(options);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    /// <summary>True when the broker accepted the connection; false when TLS or MQTT refused it.</summary>
    public static async Task<bool> TryConnectAsync(MqttClientOptions options)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(options);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return false;
            }

            // With TLS 1.3 a refused client certificate may only surface after the handshake: prove the session works.
            await client.PingAsync();
            await client.DisconnectAsync();
            return true;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException
                                      or System.Security.Authentication.AuthenticationException or IOException)
        {
            return false;
        }
    }

    public async Task SubscribeAsync(string filter)
    {
        var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.NotNull(result);
    }

    /// <summary>Subscribes and says whether the broker granted it (a refused filter gets a failure reason code).</summary>
    public async Task<bool> TrySubscribeAsync(string filter)
    {
        var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.Items.Single().ResultCode is MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1;
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos)
            .Build());

    /// <summary>The next message, or null when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<MqttApplicationMessage?> NextAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            return await _received.Reader.ReadAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
