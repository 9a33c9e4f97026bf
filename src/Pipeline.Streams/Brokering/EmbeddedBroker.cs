using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.Models.Security;
using Pipeline.Models.Topics;

namespace Pipeline.Streams.Brokering;

/// <summary>
/// An in-process MQTTnet broker with the rules of the generated Mosquitto config: TLS 1.2+, a client certificate
/// required and validated against our CA only with the CRL honoured, the certificate CN as identity (and client id),
/// and <see cref="TopicPolicy"/> for every publish and subscribe.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private const string IdentityKey = "pipeline.identity";
    private static readonly TimeSpan RevocationCheck = TimeSpan.FromSeconds(2);

    private readonly MqttServer _server;
    private readonly ClientCertificateValidator _validator;
    private readonly GuardedTlsListener _listener;
    private readonly ServerCertificateSource _serverCertificate;
    private readonly ILogger _logger;
    private readonly PasswordCheck? _passwords;
    private readonly ConcurrentDictionary<string, X509Certificate2> _sessions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private long _refusedConnections;
    private long _deniedPublishes;
    private long _deniedSubscriptions;
    private long _droppedMessages;
    private long _revokedSessions;

    private EmbeddedBroker(EmbeddedBrokerOptions options, ILogger logger)
    {
        var folder = new PkiFolder(options.CertsDirectory);
        _validator = ClientCertificateValidator.ForFolder(folder);
        _logger = logger;
        BindAddress = IPAddress.Parse(options.BindAddress);

        if (!File.Exists(folder.ServerCertificate))
        {
            throw new FileNotFoundException(
                $"No server certificate in '{folder.Directory}'. Create the PKI with 'pipeline certs init --dir {folder.Directory}'.",
                folder.ServerCertificate);
        }

        _passwords = options.RequirePasswords ? new PasswordCheck(Path.Combine(folder.Directory, PasswordFile.FileName)) : null;
        _serverCertificate = new ServerCertificateSource(folder, logger);
        _ = _serverCertificate.Current; // a missing or unreadable key is a start-up error
        _listener = new GuardedTlsListener(options, _serverCertificate, ValidateClientCertificate, logger);

        // No endpoint of MQTTnet's own: the guarded listener is the only way in. A client has ConnectTimeout after its
        // handshake to send CONNECT.
        var serverOptions = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithDefaultCommunicationTimeout(options.ConnectTimeout)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .Build();

        _server = new MqttServerFactory().CreateMqttServer(serverOptions, [_listener], new MqttNetLogger(logger));
        _server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
        _server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
        _server.InterceptingPublishAsync += OnInterceptingPublishAsync;
        _server.InterceptingSubscriptionAsync += OnInterceptingSubscriptionAsync;
        _server.QueuedApplicationMessageOverwrittenAsync += OnQueuedMessageOverwrittenAsync;
    }

    public IPAddress BindAddress { get; }

    public int Port => _listener.Port;

    /// <summary>Connections refused: bad or missing certificate, or a client id that is not the certificate's CN.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    public long DeniedPublishes => Interlocked.Read(ref _deniedPublishes);

    public long DeniedSubscriptions => Interlocked.Read(ref _deniedSubscriptions);

    /// <summary>QoS 1 messages dropped because a client's queue was full.</summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    /// <summary>Connected clients disconnected because their certificate was revoked while they were connected.</summary>
    public long RevokedSessions => Interlocked.Read(ref _revokedSessions);

    /// <summary>Connections open now, from accept to close (handshaking ones included).</summary>
    public int OpenConnections => _listener.OpenConnections;

    /// <summary>Connections refused because <see cref="EmbeddedBrokerOptions.MaxConnections"/> were open.</summary>
    public long RefusedOverCapacity => _listener.RefusedOverCapacity;

    /// <summary>Connections closed because the TLS handshake did not finish in time.</summary>
    public long HandshakeTimeouts => _listener.HandshakeTimeouts;

    /// <summary>Connections closed because a packet announced more than <see cref="EmbeddedBrokerOptions.MaxPacketBytes"/>.</summary>
    public long OversizePackets => _listener.OversizePackets;

    public static async Task<EmbeddedBroker> StartAsync(EmbeddedBrokerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var broker = new EmbeddedBroker(options, logger);
        try
        {
            await broker._server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            broker._server.Dispose();
            throw;
        }

        _ = Task.Run(() => broker.DisconnectRevokedAsync(broker._stopping.Token));
        logger.LogInformation("Embedded MQTT broker listening on {Address}:{Port} (mTLS, CA in {CertsDirectory})",
            broker.BindAddress, broker.Port, options.CertsDirectory);
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_server.IsStarted)
        {
            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        }

        _server.Dispose();
        _serverCertificate.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// A revocation takes effect for connected clients too: whenever the CRL changes, every session whose certificate
    /// it now lists is disconnected (it cannot come back: its handshake is refused).
    /// </summary>
    private async Task DisconnectRevokedAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(RevocationCheck);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                foreach (var (clientId, certificate) in _sessions)
                {
                    if (_validator.IsRevoked(certificate))
                    {
                        Interlocked.Increment(ref _revokedSessions);
                        _logger.LogWarning("Disconnecting {ClientId}: its certificate (serial {Serial}) has been revoked", clientId, certificate.SerialNumber);
                        _sessions.TryRemove(clientId, out _);
                        await _server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = "certificate revoked" })
                            .ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "The revocation check of connected clients stopped");
        }
    }

    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        using var presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (_validator.Validate(presented, out var error) is not null)
        {
            return true;
        }

        Interlocked.Increment(ref _refusedConnections);
        _logger.LogWarning("Refused a TLS client: {Reason}", error);
        return false;
    }

    private Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs e)
    {
        var identity = e.ClientCertificate is null ? null : ClientIdentity.FromCertificate(e.ClientCertificate, out _);
        if (identity is null)
        {
            Refuse(e, MqttConnectReasonCode.NotAuthorized, "a client certificate issued by the Pipeline CA is required");
            return Task.CompletedTask;
        }

        // The client id is bound to the certificate, as Mosquitto's use_username_as_clientid does: otherwise one
        // device could take over (and read) another identity's persistent session by using its client id.
        if (string.IsNullOrEmpty(e.ClientId))
        {
            e.AssignedClientIdentifier = identity.Name;
        }
        else if (e.ClientId != identity.Name)
        {
            Refuse(e, MqttConnectReasonCode.ClientIdentifierNotValid,
                $"client id '{e.ClientId}' must be the certificate's name '{identity.Name}'");
            return Task.CompletedTask;
        }

        if (_passwords?.Refusal(identity, e.UserName, e.RawPassword) is { } wrong)
        {
            Refuse(e, MqttConnectReasonCode.BadUserNameOrPassword, wrong);
            return Task.CompletedTask;
        }

        e.SessionItems[IdentityKey] = identity;
        _sessions[identity.Name] = X509CertificateLoader.LoadCertificate(e.ClientCertificate!.RawData);
        _logger.LogDebug("Client {Identity} ({Role}) connected from {Endpoint}", identity.Name, identity.Role, e.RemoteEndPoint);
        return Task.CompletedTask;
    }

    private Task OnInterceptingPublishAsync(InterceptingPublishEventArgs e)
    {
        // Messages the node injects itself have no client and are not subject to the ACL.
        if (string.IsNullOrEmpty(e.ClientId))
        {
            return Task.CompletedTask;
        }

        var topic = e.ApplicationMessage.Topic;
        var identity = e.SessionItems[IdentityKey] as ClientIdentity;
        var allowed = identity is not null && TopicPolicy.MayPublish(identity, topic);
        // Retained telemetry would be replayed to every new subscriber as if it had just been measured.
        if (allowed && !(e.ApplicationMessage.Retain && identity!.Role == IdentityRole.Device))
        {
            return Task.CompletedTask;
        }

        e.ProcessPublish = false;
        e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        e.Response.ReasonString = allowed ? "devices may not publish retained messages" : $"'{e.ClientId}' may not publish to '{topic}'";
        var denied = Interlocked.Increment(ref _deniedPublishes);
        if (ShouldLog(denied))
        {
            _logger.LogWarning("Denied publish by {ClientId} to {Topic} ({Denied} denied so far)", e.ClientId, topic, denied);
        }

        return Task.CompletedTask;
    }

    private Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        _sessions.TryRemove(e.ClientId, out _);
        return Task.CompletedTask;
    }

    private Task OnInterceptingSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        if (e.SessionItems[IdentityKey] is ClientIdentity identity && TopicPolicy.MaySubscribe(identity, filter))
        {
            return Task.CompletedTask;
        }

        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        var denied = Interlocked.Increment(ref _deniedSubscriptions);
        if (ShouldLog(denied))
        {
            _logger.LogWarning("Denied subscription by {ClientId} to {Topic} ({Denied} denied so far)", e.ClientId, filter, denied);
        }

        return Task.CompletedTask;
    }

    private Task OnQueuedMessageOverwrittenAsync(QueueMessageOverwrittenEventArgs e)
    {
        var dropped = Interlocked.Increment(ref _droppedMessages);
        if (ShouldLog(dropped))
        {
            _logger.LogError("Queue of {ClientId} is full: dropped its oldest message ({Dropped} dropped so far); raise MaxPendingMessagesPerClient",
                e.ReceiverClientId, dropped);
        }

        return Task.CompletedTask;
    }

    private void Refuse(ValidatingConnectionEventArgs e, MqttConnectReasonCode code, string reason)
    {
        e.ReasonCode = code;
        e.ReasonString = reason;
        Interlocked.Increment(ref _refusedConnections);
        _logger.LogWarning("Refused MQTT connection {ClientId} from {Endpoint}: {Reason}", e.ClientId, e.RemoteEndPoint, reason);
    }

    // A misbehaving client can repeat a denied action thousands of times a second: log the first ten, then every
    // thousandth, with the running count, so that the log stays readable and nothing goes unreported.
    private static bool ShouldLog(long count) => count <= 10 || count % 1000 == 0;
}
