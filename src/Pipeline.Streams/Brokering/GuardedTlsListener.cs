using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace Pipeline.Streams.Brokering;

/// <summary>
/// The embedded broker's TLS listener, in place of MQTTnet's own, which has no limit on connections, no timeout on
/// the TLS handshake, no packet-size limit, and opens an IPv6 socket on every interface whatever address it is given
/// (all measured against MQTTnet 5.2, #15). This one listens on the one address configured; refuses connections past
/// <see cref="EmbeddedBrokerOptions.MaxConnections"/> at once; gives a client
/// <see cref="EmbeddedBrokerOptions.HandshakeTimeout"/> to finish the handshake; offers only cipher suites with
/// forward secrecy; presents the server certificate the <see cref="ServerCertificateSource"/> holds (a renewed one from
/// the next connection on); and closes a connection whose next packet announces more than
/// <see cref="EmbeddedBrokerOptions.MaxPacketBytes"/>, before a byte of it is buffered. MQTTnet then reads MQTT from the
/// stream as usual (its CONNECT wait is <see cref="MqttServerOptions.DefaultCommunicationTimeout"/>).
/// </summary>
public sealed class GuardedTlsListener(
    EmbeddedBrokerOptions settings,
    ServerCertificateSource certificate,
    RemoteCertificateValidationCallback validateClient,
    ILogger logger) : IMqttServerAdapter
{
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private IMqttNetLogger _mqttLogger = null!;
    private MqttServerOptions _serverOptions = null!;
    private int _connections;
    private long _overCapacity;
    private long _handshakeTimeouts;
    private long _oversize;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>The port actually bound (the configured one, or the one the OS chose for 0).</summary>
    public int Port { get; private set; }

    public int OpenConnections => Volatile.Read(ref _connections);

    public long RefusedOverCapacity => Interlocked.Read(ref _overCapacity);

    public long HandshakeTimeouts => Interlocked.Read(ref _handshakeTimeouts);

    public long OversizePackets => Interlocked.Read(ref _oversize);

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _serverOptions = options;
        _mqttLogger = logger;
        var address = IPAddress.Parse(settings.BindAddress);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (address.Equals(IPAddress.IPv6Any))
        {
            socket.DualMode = true; // '::' means every interface, IPv4 included; any other address means just that one
        }

        try
        {
            socket.Bind(new IPEndPoint(address, settings.Port));
        }
        catch (SocketException e) when (Unavailable(settings, e) is { } unavailable)
        {
            socket.Dispose();
            throw unavailable;
        }

        socket.Listen(100);
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _socket = socket;
        _ = Task.Run(() => AcceptAsync(socket, _stopping.Token));
        return Task.CompletedTask;
    }

    /// <summary>Whether the address and port can be listened on now: the node checks before anything else starts.</summary>
    public static void EnsureAvailable(EmbeddedBrokerOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var address = IPAddress.Parse(settings.BindAddress);
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(address, settings.Port));
        }
        catch (SocketException e) when (Unavailable(settings, e) is { } unavailable)
        {
            throw unavailable;
        }
    }

    /// <summary>The one line a person needs when the port cannot be had: which, why, and the setting that changes it.</summary>
    private static IOException? Unavailable(EmbeddedBrokerOptions settings, SocketException e)
    {
        var why = e.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => "is in use by another program (another node, or Mosquitto?)",
            SocketError.AccessDenied => "may not be opened by this user (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
            SocketError.AddressNotAvailable => "is not an address of this machine",
            _ => null,
        };
        return why is null ? null : new IOException(
            $"Pipeline:EmbeddedBroker: {settings.BindAddress}:{settings.Port} {why}; choose another with Pipeline:EmbeddedBroker:Port / BindAddress (Pipeline__EmbeddedBroker__Port), or --port / --bind", e);
    }

    public Task StopAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Stop();
        _stopping.Dispose();
    }

    private void Stop()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }

        _socket?.Dispose();
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                logger.LogWarning("Accepting a connection failed: {Reason}", e.Message);
                continue;
            }

            if (Interlocked.Increment(ref _connections) > settings.MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                var refused = Interlocked.Increment(ref _overCapacity);
                if (refused <= 10 || refused % 1000 == 0)
                {
                    logger.LogWarning("Refused a connection from {Endpoint}: {Open} are open, the most allowed ({Setting}); {Refused} refused so far",
                        client.RemoteEndPoint, settings.MaxConnections, "Pipeline:EmbeddedBroker:MaxConnections", refused);
                }

                client.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(client, stopping), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        var remote = socket.RemoteEndPoint;
        Stream? stream = null;
        try
        {
            socket.NoDelay = true;
            var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false, validateClient);
            stream = tls;
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                handshake.CancelAfter(settings.HandshakeTimeout);
                try
                {
                    await tls.AuthenticateAsServerAsync(ServerOptions(), handshake.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    var timeouts = Interlocked.Increment(ref _handshakeTimeouts);
                    if (timeouts <= 10 || timeouts % 1000 == 0)
                    {
                        logger.LogWarning("Closed {Endpoint}: no TLS handshake within {Timeout}; {Timeouts} so far", remote, settings.HandshakeTimeout, timeouts);
                    }

                    return;
                }
            }

            var clientCertificate = tls.RemoteCertificate is null ? null : X509CertificateLoader.LoadCertificate(tls.RemoteCertificate.GetRawCertData());
            var guarded = new PacketSizeGuard(tls, settings.MaxPacketBytes, OnOversize);
            var channel = new MqttTcpChannel(guarded, socket.LocalEndPoint!, remote!, clientCertificate);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_serverOptions.WriterBufferSize, _serverOptions.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger) { AllowPacketFragmentation = true };
            if (ClientHandler is { } handler)
            {
                await handler(adapter).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A peer's failed handshake or dropped socket: its problem, refused by design; the validator logged why.
            logger.LogDebug("Connection from {Endpoint} ended: {Reason}", remote, e.Message);
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            Interlocked.Decrement(ref _connections);
        }

        void OnOversize(long announced)
        {
            var count = Interlocked.Increment(ref _oversize);
            if (count <= 10 || count % 1000 == 0)
            {
                logger.LogWarning("Closed {Endpoint}: it announced a packet of {Bytes} bytes, more than {Max} ({Setting}); {Count} so far",
                    remote, announced, settings.MaxPacketBytes, "Pipeline:EmbeddedBroker:MaxPacketBytes", count);
            }
        }
    }

    private SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = certificate.Current,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck, // our CRL is checked by the validator
        EncryptionPolicy = EncryptionPolicy.RequireEncryption,
        CipherSuitesPolicy = ForwardSecretCiphers.Policy,
    };
}
