using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Models.Security;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Brokering;

/// <summary>
/// Only devices holding a certificate from our CA can talk to the broker, and each only for itself. The same
/// specifications run against the generated Mosquitto config and against the embedded broker.
/// </summary>
[Trait("Category", "Process")]
public abstract class BrokerSecuritySpecs(IBrokerFixture fixture)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(700);

    private BrokerEndpoint Broker => fixture.Endpoint;

    private string Certs => fixture.Pki.CertsDirectory;

    [Fact]
    public async Task Should_deliver_a_devices_qos1_telemetry_to_the_node()
    {
        await using var node = await MqttTestClient.ConnectAsync(Broker, Certs, PkiFolder.NodeIdentity);
        await node.SubscribeAsync(TopicContract.AllTelemetry);
        await using var device = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Device1);

        var published = await device.PublishAsync(TopicContract.Telemetry(TestPki.Device1), """{"ts":1,"seq":1,"flow":12.5}""");

        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        var received = await node.NextAsync(Delivery);
        Assert.True(received is not null, "no message arrived\n" + fixture.Diagnostics);
        Assert.Equal(TopicContract.Telemetry(TestPki.Device1), received.Topic);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, received.QualityOfServiceLevel);
        Assert.Equal("""{"ts":1,"seq":1,"flow":12.5}""", received.ConvertPayloadToString());
    }

    [Fact]
    public async Task Should_refuse_a_client_without_a_certificate()
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(Broker.Host, Broker.Port)
            .WithClientId(TestPki.Device1)
            .WithTlsOptions(tls => tls.UseTls()
                .WithTargetHost(Broker.Host)
                .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithTrustChain([MutualTlsClientOptions.LoadCa(fixture.Pki.Folder)])
                .WithRevocationMode(X509RevocationMode.NoCheck))
            .Build();

        Assert.False(await MqttTestClient.TryConnectAsync(options));
    }

    [Fact]
    public async Task Should_refuse_a_certificate_from_another_CA()
    {
        var foreign = new PkiFolder(fixture.Pki.ForeignDirectory);
        var options = MutualTlsClientOptions.For(
            Broker,
            MutualTlsClientOptions.LoadClientCertificate(foreign, TestPki.Device1),
            MutualTlsClientOptions.LoadCa(fixture.Pki.Folder),
            TestPki.Device1).Build();

        Assert.False(await MqttTestClient.TryConnectAsync(options));
    }

    [Fact]
    public async Task Should_refuse_an_expired_certificate()
    {
        Assert.False(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, Certs, TestPki.Expired).Build()));
    }

    [Fact]
    public async Task Should_refuse_a_revoked_certificate()
    {
        Assert.False(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, Certs, TestPki.Revoked).Build()));
    }

    [Fact]
    public async Task Should_refuse_the_certificate_a_reissue_replaced_and_accept_the_new_one()
    {
        // #15: 'certs issue NAME --force' left the old certificate valid for 825 days.
        Assert.False(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, fixture.Pki.StaleDirectory, TestPki.Reissued).Build()),
            fixture.Diagnostics);
        Assert.True(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, Certs, TestPki.Reissued).Build()), fixture.Diagnostics);
    }

    [Fact]
    public async Task Should_accept_a_renewed_certificate_and_the_one_it_renewed_with_the_same_key()
    {
        Assert.True(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, fixture.Pki.StaleDirectory, TestPki.Renewed).Build()),
            fixture.Diagnostics);
        Assert.True(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, Certs, TestPki.Renewed).Build()), fixture.Diagnostics);
    }

    [Fact]
    public async Task Should_refuse_every_certificate_of_a_revoked_name_also_the_one_a_renewal_replaced()
    {
        // #15: 'certs revoke NAME' read only the current file.
        Assert.False(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, fixture.Pki.StaleDirectory, TestPki.RenewedThenRevoked).Build()));
        Assert.False(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, Certs, TestPki.RenewedThenRevoked).Build()));
    }

    [Fact]
    public async Task Should_drop_a_client_that_sends_a_packet_over_64_KB_and_deliver_none_of_it()
    {
        await using var node = await MqttTestClient.ConnectAsync(Broker, Certs, PkiFolder.NodeIdentity);
        await node.SubscribeAsync(TopicContract.AllTelemetry);
        await using var device = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Device1);

        var huge = new string('x', 200_000);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await device.PublishAsync(TopicContract.Telemetry(TestPki.Device1), huge);
            await device.Client.PingAsync(); // the broker has closed the connection by now
        });

        Assert.Null(await node.NextAsync(Silence));
    }

    [Theory]
    [InlineData("AES128-GCM-SHA256")] // RSA key exchange: no forward secrecy
    [InlineData("AES256-SHA256")]
    public async Task Should_refuse_tls12_cipher_suites_without_forward_secrecy(string cipher)
    {
        var handshake = await Openssl.RunAsync(Certs, "s_client", "-connect", $"{Broker.Host}:{Broker.Port}", "-tls1_2", "-cipher", cipher,
            "-cert", $"{TestPki.Device1}.crt", "-key", $"{TestPki.Device1}.key", "-CAfile", "ca.crt", "-brief");
        var forwardSecret = await Openssl.RunAsync(Certs, "s_client", "-connect", $"{Broker.Host}:{Broker.Port}", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
            "-cert", $"{TestPki.Device1}.crt", "-key", $"{TestPki.Device1}.key", "-CAfile", "ca.crt", "-brief");

        Assert.DoesNotContain("CONNECTION ESTABLISHED", handshake.Output, StringComparison.Ordinal);
        Assert.Contains("CONNECTION ESTABLISHED", forwardSecret.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_accept_the_same_identity_that_is_refused_elsewhere_only_when_valid()
    {
        // Control for the refusals above: a valid device with the same options builder connects.
        Assert.True(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(Broker, Certs, TestPki.Device2).Build()),
            fixture.Diagnostics);
    }

    [Fact]
    public async Task Should_never_deliver_a_devices_publish_to_another_devices_topic()
    {
        await using var node = await MqttTestClient.ConnectAsync(Broker, Certs, PkiFolder.NodeIdentity);
        await node.SubscribeAsync(TopicContract.AllTelemetry);
        await using var device = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Device1);

        var forged = await device.PublishAsync(TopicContract.Telemetry(TestPki.Device2), """{"forged":true}""");
        // The same publisher's next QoS 1 message is delivered in order, so once it is here the forged one had its chance.
        await device.PublishAsync(TopicContract.Telemetry(TestPki.Device1), """{"marker":true}""");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        var first = await node.NextAsync(Delivery);
        Assert.True(first is not null, "the marker did not arrive\n" + fixture.Diagnostics);
        Assert.Equal(TopicContract.Telemetry(TestPki.Device1), first.Topic);
        Assert.Null(await node.NextAsync(Silence));
    }

    [Fact]
    public async Task Should_silently_drop_a_forged_mqtt311_qos0_publish_before_it_reaches_a_subscriber()
    {
        await using var node = await MqttTestClient.ConnectAsync(Broker, Certs, PkiFolder.NodeIdentity);
        await node.SubscribeAsync(TopicContract.AllTelemetry);
        await using var device = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Device1, MqttProtocolVersion.V311);

        await device.PublishAsync(TopicContract.Telemetry(TestPki.Device2), """{"forged":true}""", MqttQualityOfServiceLevel.AtMostOnce);
        await device.PublishAsync(TopicContract.Telemetry(TestPki.Device1), """{"marker":true}""");

        var first = await node.NextAsync(Delivery);
        Assert.True(first is not null, "the marker did not arrive\n" + fixture.Diagnostics);
        Assert.Equal(TopicContract.Telemetry(TestPki.Device1), first.Topic);
        Assert.Null(await node.NextAsync(Silence));
    }

    [Fact]
    public async Task Should_not_let_a_device_read_another_devices_telemetry()
    {
        await using var node = await MqttTestClient.ConnectAsync(Broker, Certs, PkiFolder.NodeIdentity);
        await node.SubscribeAsync(TopicContract.AllTelemetry);
        await using var snoop = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Device2);
        await snoop.SubscribeAsync(TopicContract.AllTelemetry); // Mosquitto grants and filters; ours refuses
        await using var device = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Device1);

        await device.PublishAsync(TopicContract.Telemetry(TestPki.Device1), """{"seq":1}""");

        Assert.NotNull(await node.NextAsync(Delivery));
        Assert.Null(await snoop.NextAsync(Silence));
    }

    [Fact]
    public async Task Should_let_scada_read_alarms_the_node_publishes_but_not_publish_a_devices_telemetry()
    {
        await using var scada = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Scada);
        await scada.SubscribeAsync("pipeline/alarms/#");
        await using var node = await MqttTestClient.ConnectAsync(Broker, Certs, PkiFolder.NodeIdentity);

        var alarm = await node.PublishAsync(TopicContract.Alarm(TestPki.Device1, "anomaly"), """{"state":"active"}""");
        var telemetry = await scada.PublishAsync(TopicContract.Telemetry(TestPki.Device1), """{"seq":1}""");

        Assert.Equal(MqttClientPublishReasonCode.Success, alarm.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, telemetry.ReasonCode);
        var received = await scada.NextAsync(Delivery);
        Assert.True(received is not null, "the alarm did not arrive\n" + fixture.Diagnostics);
        Assert.Equal(TopicContract.Alarm(TestPki.Device1, "anomaly"), received.Topic);
    }

    [Fact]
    public async Task Should_let_scada_read_scores_and_telemetry_for_its_dashboard_and_nothing_more()
    {
        await using var scada = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Scada);
        Assert.True(await scada.TrySubscribeAsync("pipeline/scores/#"), "scores refused\n" + fixture.Diagnostics);
        Assert.True(await scada.TrySubscribeAsync("pipeline/+/telemetry"), "telemetry refused\n" + fixture.Diagnostics);
        // Refused by the embedded broker; granted by Mosquitto, which then delivers nothing the ACL does not let it read.
        await scada.TrySubscribeAsync("pipeline/commands/#");
        await using var node = await MqttTestClient.ConnectAsync(Broker, Certs, PkiFolder.NodeIdentity);
        await using var device = await MqttTestClient.ConnectAsync(Broker, Certs, TestPki.Device1);

        await node.PublishAsync(TopicContract.Scores(TestPki.Device1), """{"score":0.4}""", MqttQualityOfServiceLevel.AtMostOnce);
        var score = await scada.NextAsync(Delivery);
        await device.PublishAsync(TopicContract.Telemetry(TestPki.Device1), """{"seq":1}""");
        var telemetry = await scada.NextAsync(Delivery);
        var forged = await scada.PublishAsync(TopicContract.Scores(TestPki.Device1), """{"score":99}""");
        await scada.PublishAsync("pipeline/commands/ack", """{"alarm":"esp32-01/anomaly","by":"op"}""");

        Assert.Null(await scada.NextAsync(Silence)); // neither its own command nor the forged score comes back
        Assert.Equal(TopicContract.Scores(TestPki.Device1), score?.Topic);
        Assert.Equal(TopicContract.Telemetry(TestPki.Device1), telemetry?.Topic);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
    }
}

public sealed class EmbeddedBrokerSecuritySpecs(EmbeddedBrokerFixture fixture)
    : BrokerSecuritySpecs(fixture), IClassFixture<EmbeddedBrokerFixture>
{
    [Fact]
    public async Task Should_count_and_log_every_refusal_with_its_reason()
    {
        var before = fixture.Broker.RefusedConnections;

        await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(fixture.Endpoint, fixture.Pki.CertsDirectory, TestPki.Revoked).Build());

        Assert.True(fixture.Broker.RefusedConnections > before);
        Assert.Contains(fixture.Logger.At(Microsoft.Extensions.Logging.LogLevel.Warning), m => m.Contains("is revoked", StringComparison.Ordinal));
        fixture.Logger.AssertNoErrors();
    }

    [Fact]
    public async Task Should_refuse_telemetry_from_a_non_device_identity_even_under_its_own_name()
    {
        // Stricter than Mosquitto, whose device pattern (pipeline/%u/telemetry) applies to every user (docs/mqtt.md).
        await using var scada = await MqttTestClient.ConnectAsync(fixture.Endpoint, fixture.Pki.CertsDirectory, TestPki.Scada);

        var result = await scada.PublishAsync(TopicContract.Telemetry(TestPki.Scada), """{"seq":1}""");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
    }

    [Fact]
    public async Task Should_refuse_a_client_id_that_is_not_the_certificates_name()
    {
        var options = MutualTlsClientOptions.For(fixture.Endpoint, fixture.Pki.CertsDirectory, TestPki.Device1)
            .WithClientId(PkiFolder.NodeIdentity) // trying to take over the node's persistent session
            .Build();

        Assert.False(await MqttTestClient.TryConnectAsync(options));
    }

    [Theory]
    [InlineData(TestPki.WithoutUsage)]
    [InlineData(TestPki.CaLeaf)]
    [InlineData(TestPki.TwoNames)]
    public async Task Should_refuse_a_certificate_our_ca_signed_but_never_issues(string crafted)
    {
        Assert.False(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(fixture.Endpoint, fixture.Pki.CraftedDirectory, crafted).Build()));
    }

    [Fact]
    public async Task Should_refuse_retained_telemetry_from_a_device()
    {
        await using var device = await MqttTestClient.ConnectAsync(fixture.Endpoint, fixture.Pki.CertsDirectory, TestPki.Device1);

        var retained = await device.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(TopicContract.Telemetry(TestPki.Device1))
            .WithPayload("""{"seq":1}""").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, retained.ReasonCode);
    }

    [Fact]
    public async Task Should_listen_only_on_the_address_it_is_given()
    {
        // #15: bound to 127.0.0.1 it also listened on [::] (MQTTnet opens an IPv6 socket on every interface by default).
        using var ipv6 = new System.Net.Sockets.TcpClient(System.Net.Sockets.AddressFamily.InterNetworkV6);

        await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => ipv6.ConnectAsync(System.Net.IPAddress.IPv6Loopback, fixture.Endpoint.Port));
    }

    [Fact]
    public async Task Should_disconnect_a_connected_client_whose_certificate_is_revoked()
    {
        using (var ca = CertificateAuthority.Open(fixture.Pki.CertsDirectory))
        {
            ca.Issue("esp32-stolen", IdentityRole.Device).Dispose();
        }

        await using var device = await MqttTestClient.ConnectAsync(fixture.Endpoint, fixture.Pki.CertsDirectory, "esp32-stolen");
        using (var ca = CertificateAuthority.Open(fixture.Pki.CertsDirectory))
        {
            ca.Revoke("esp32-stolen");
        }

        await Eventually.HoldsAsync(() => !device.Client.IsConnected, TimeSpan.FromSeconds(15), () => fixture.Diagnostics);
        Assert.True(fixture.Broker.RevokedSessions >= 1);
    }

    [Fact]
    public async Task Should_apply_a_revocation_without_a_restart()
    {
        using (var ca = CertificateAuthority.Open(fixture.Pki.CertsDirectory))
        {
            ca.Issue("esp32-late", IdentityRole.Device).Dispose();
        }

        Assert.True(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(fixture.Endpoint, fixture.Pki.CertsDirectory, "esp32-late").Build()));
        using (var ca = CertificateAuthority.Open(fixture.Pki.CertsDirectory))
        {
            ca.Revoke("esp32-late");
        }

        Assert.False(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(fixture.Endpoint, fixture.Pki.CertsDirectory, "esp32-late").Build()));
    }
}

[Trait("Category", "Process")]
public sealed class MosquittoSecuritySpecs(MosquittoFixture fixture)
    : BrokerSecuritySpecs(fixture), IClassFixture<MosquittoFixture>
{
    /// <summary>
    /// What Mosquitto 2.0 does not check (OpenSSL reads a missing extended key usage as any use, and takes a CA
    /// certificate as a client's): written down in docs/mqtt.md and checked here, so that a change shows.
    /// </summary>
    [Theory]
    [InlineData(TestPki.WithoutUsage)]
    [InlineData(TestPki.CaLeaf)]
    public async Task Should_accept_what_only_the_embedded_broker_refuses(string crafted) =>
        Assert.True(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(fixture.Endpoint, fixture.Pki.CraftedDirectory, crafted).Build()),
            fixture.Diagnostics);

    [Fact]
    public async Task Should_give_a_certificate_with_two_cns_the_rights_of_one_of_them()
    {
        // The crafted certificate names esp32-twocn and node; Mosquitto takes node's (measured), so it reads every
        // device's telemetry. Only a holder of the CA key can make one — who could issue a node certificate anyway — and
        // the embedded broker refuses it; docs/mqtt.md says so.
        await using var twoNames = await MqttTestClient.ConnectAsync(fixture.Endpoint, fixture.Pki.CraftedDirectory, TestPki.TwoNames);
        await twoNames.SubscribeAsync(TopicContract.AllTelemetry);
        await using var device = await MqttTestClient.ConnectAsync(fixture.Endpoint, fixture.Pki.CertsDirectory, TestPki.Device1);

        await device.PublishAsync(TopicContract.Telemetry(TestPki.Device1), """{"seq":1}""");

        Assert.NotNull(await twoNames.NextAsync(TimeSpan.FromSeconds(5)));
    }
}
