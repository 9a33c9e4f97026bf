using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Pipeline.Models.Security;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Brokering;

/// <summary>
/// What the embedded broker does against clients that hold connections without speaking (#15: idle TCP and TLS
/// connections stayed open indefinitely, 200 idle sockets were all held), and a server certificate renewed under it.
/// Each spec runs its own broker with tight limits.
/// </summary>
public sealed class EmbeddedBrokerLimitsSpecs : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private readonly TestLogger _logger = new();

    private Task<EmbeddedBroker> StartAsync(Action<EmbeddedBrokerOptions>? adjust = null)
    {
        var options = new EmbeddedBrokerOptions { CertsDirectory = _pki.CertsDirectory, BindAddress = "127.0.0.1", Port = 0 };
        adjust?.Invoke(options);
        return EmbeddedBroker.StartAsync(options, _logger);
    }

    [Fact]
    public async Task Should_close_a_connection_that_does_not_finish_its_tls_handshake_in_time()
    {
        await using var broker = await StartAsync(o => o.HandshakeTimeout = TimeSpan.FromSeconds(1));
        using var idle = new TcpClient();
        await idle.ConnectAsync(IPAddress.Loopback, broker.Port);

        Assert.True(await ClosedByPeerAsync(idle.GetStream()), "the idle connection was still open");
        Assert.Equal(1, broker.HandshakeTimeouts);
    }

    [Fact]
    public async Task Should_close_a_tls_session_that_sends_no_connect_in_time()
    {
        await using var broker = await StartAsync(o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, broker.Port);
        await using var tls = await HandshakeAsync(tcp, TestPki.Device1);

        Assert.True(await ClosedByPeerAsync(tls), "the silent TLS session was still open");
    }

    [Fact]
    public async Task Should_refuse_connections_past_its_limit_and_take_new_ones_when_some_close()
    {
        await using var broker = await StartAsync(o => (o.MaxConnections, o.HandshakeTimeout) = (3, TimeSpan.FromSeconds(30)));
        var held = new List<TcpClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, broker.Port);
            held.Add(client);
        }

        await Eventually.HoldsAsync(() => broker.OpenConnections == 3, Patience, () => $"{broker.OpenConnections} open");
        using (var fourth = new TcpClient())
        {
            await fourth.ConnectAsync(IPAddress.Loopback, broker.Port);
            Assert.True(await ClosedByPeerAsync(fourth.GetStream()), "a fourth connection was held");
        }

        Assert.Equal(1, broker.RefusedOverCapacity);
        held[0].Dispose();
        await Eventually.HoldsAsync(() => broker.OpenConnections == 2, Patience, () => $"{broker.OpenConnections} open");
        Assert.True(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(new BrokerEndpoint("127.0.0.1", broker.Port), _pki.CertsDirectory, TestPki.Device1).Build()),
            string.Join("\n", _logger.Entries.Select(e => e.Message)));
        held.ForEach(h => h.Dispose());
    }

    [Fact]
    public async Task Should_present_a_renewed_server_certificate_from_the_next_connection_on_without_a_restart()
    {
        await using var broker = await StartAsync();
        var before = await ServerSerialAsync(broker.Port);

        using (var ca = CertificateAuthority.Open(_pki.CertsDirectory))
        {
            ca.Renew("server").Dispose();
        }

        var after = await ServerSerialAsync(broker.Port);
        Assert.NotEqual(before, after);
        Assert.Equal(after, X509CertificateLoader.LoadCertificateFromFile(_pki.Folder.ServerCertificate).SerialNumber);
        Assert.True(await MqttTestClient.TryConnectAsync(MutualTlsClientOptions.For(new BrokerEndpoint("127.0.0.1", broker.Port), _pki.CertsDirectory, TestPki.Device1).Build()));
    }

    private async Task<string> ServerSerialAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = await HandshakeAsync(tcp, TestPki.Device1);
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData()).SerialNumber;
    }

    private async Task<SslStream> HandshakeAsync(TcpClient tcp, string identity)
    {
        var ca = MutualTlsClientOptions.LoadCa(_pki.Folder);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => ChainsTo(ca, certificate));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [MutualTlsClientOptions.LoadClientCertificate(_pki.Folder, identity)],
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        });
        return tls;
    }

    private static bool ChainsTo(X509Certificate2 ca, X509Certificate? presented)
    {
        if (presented is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
    }

    /// <summary>True when the peer closes the stream within the patience (a read returns 0 or fails).</summary>
    private static async Task<bool> ClosedByPeerAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            var buffer = new byte[16];
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _pki.Dispose();
}
