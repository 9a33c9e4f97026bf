using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.Models.Security;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Subscribing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Subscribing;

public sealed class MqttTelemetrySourceSpecs : IDisposable
{
    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    [Fact]
    public async Task Should_not_count_itself_connected_when_the_broker_refuses_its_command_subscription()
    {
        // A broker that grants telemetry and refuses commands: before #15 only the first SUBACK item was checked, and
        // operators' commands went unanswered without a word.
        var port = FreePort.Next();
        using var server = new MqttServerFactory().CreateMqttServer(ServerOptions(port));
        server.InterceptingSubscriptionAsync += e =>
        {
            if (e.TopicFilter.Topic.StartsWith("pipeline/commands", StringComparison.Ordinal))
            {
                e.ProcessSubscription = false;
                e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            }

            return Task.CompletedTask;
        };
        await server.StartAsync();
        var logger = new TestLogger();
        await using var source = new MqttTelemetrySource(
            new MqttOptions { CertsDirectory = _pki.CertsDirectory, ReconnectMinDelay = TimeSpan.FromMilliseconds(100), ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) },
            new BrokerEndpoint("127.0.0.1", port), logger);

        source.Start();

        await Eventually.HoldsAsync(() => logger.At(LogLevel.Warning).Any(m => m.Contains("subscription to pipeline/commands/# refused", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15), () => string.Join("\n", logger.Entries.Select(e => e.Message)));
        Assert.DoesNotContain(logger.At(LogLevel.Information), m => m.StartsWith("Connected to", StringComparison.Ordinal));
        await server.StopAsync();
    }

    [Fact]
    public async Task Should_answer_false_never_throw_when_the_connection_drops_while_a_publish_waits_for_its_ack()
    {
        // A fresh-clone run stopped the whole node: the heartbeat's publish threw MqttClientDisconnectedException when
        // the broker connection dropped under load, and the background service's exception stopped the host.
        var port = FreePort.Next();
        using var server = new MqttServerFactory().CreateMqttServer(ServerOptions(port));
        var held = new TaskCompletionSource();
        server.InterceptingPublishAsync += async e =>
        {
            if (e.ApplicationMessage.Topic == "pipeline/status/node")
            {
                held.TrySetResult();
                await Task.Delay(TimeSpan.FromSeconds(2)); // no PUBACK before the broker goes away
            }
        };
        await server.StartAsync();
        var logger = new TestLogger();
        await using var source = new MqttTelemetrySource(
            new MqttOptions { CertsDirectory = _pki.CertsDirectory, ReconnectMinDelay = TimeSpan.FromSeconds(30), ReconnectMaxDelay = TimeSpan.FromSeconds(30) },
            new BrokerEndpoint("127.0.0.1", port), logger);
        source.Start();
        await Eventually.HoldsAsync(() => source.IsConnected, TimeSpan.FromSeconds(15), () => string.Join("\n", logger.Entries.Select(e => e.Message)));

        var publishing = source.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("pipeline/status/node").WithPayload("online")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await server.StopAsync();

        Assert.False(await publishing.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private MqttServerOptions ServerOptions(int port) => new MqttServerOptionsBuilder()
        .WithoutDefaultEndpoint()
        .WithEncryptedEndpoint()
        .WithEncryptedEndpointBoundIPAddress(System.Net.IPAddress.Loopback)
        .WithEncryptedEndpointBoundIPV6Address(System.Net.IPAddress.None)
        .WithEncryptedEndpointPort(port)
        .WithEncryptionCertificate(X509Certificate2.CreateFromPemFile(_pki.Folder.ServerCertificate, _pki.Folder.ServerKey))
        .WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13)
        .WithClientCertificate((_, certificate, _, _) => certificate is not null, false)
        .Build();

    public void Dispose() => _pki.Dispose();
}
