using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.Models.Security;
using Pipeline.Streams.Brokering;
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

    [Fact]
    public async Task Should_reconnect_when_its_connection_closes_while_a_message_waits_for_room_in_the_full_intake()
    {
        // A node Mosquitto dropped at full speed (10,000 devices) stood deaf for good: MQTTnet's disconnect waited for the
        // message handler, and the handler for room in the intake that only that connection's acknowledgements could make.
        // It also guards reading before the session is subscribed: with the reads held on the full intake from the start,
        // the broker's answers to connecting and subscribing waited, and it did not connect again within 30 s either.
        var logger = new TestLogger();
        var brokerOptions = new EmbeddedBrokerOptions { CertsDirectory = _pki.CertsDirectory, BindAddress = "127.0.0.1", Port = FreePort.Next() };
        var broker = await EmbeddedBroker.StartAsync(brokerOptions, logger);
        var endpoint = new BrokerEndpoint("127.0.0.1", brokerOptions.Port);
        await using var source = new MqttTelemetrySource(
            new MqttOptions { CertsDirectory = _pki.CertsDirectory, MaxInFlight = 2, ReconnectMinDelay = TimeSpan.FromMilliseconds(100), ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) },
            endpoint, logger);
        var connects = 0;
        source.Connected += () => Interlocked.Increment(ref connects);
        source.Start();
        await Eventually.HoldsAsync(() => Volatile.Read(ref connects) == 1, TimeSpan.FromSeconds(15), () => string.Join("\n", logger.Entries.Select(e => e.Message)));

        await new TelemetryPublisher(endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 6, default); // nothing takes from the intake
        await Eventually.HoldsAsync(() => source.Received == 2, TimeSpan.FromSeconds(15), () => $"{source.Received} in the intake");
        await broker.DisposeAsync(); // the connection closes while the third message waits for room
        await using var again = await EmbeddedBroker.StartAsync(brokerOptions, logger);

        await Eventually.HoldsAsync(() => Volatile.Read(ref connects) == 2, TimeSpan.FromSeconds(30),
            () => "not connected again: " + string.Join("\n", logger.Entries.TakeLast(10).Select(e => e.Message)));
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
