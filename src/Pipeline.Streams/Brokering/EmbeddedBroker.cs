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

    private readonly MqttServer _server;
    private readonly ClientCertificateValidator _validator;
    private readonly ILogger _logger;
    private long _refusedConnections;
    private long _deniedPublishes;
    private long _deniedSubscriptions;
    private long _droppedMessages;

    private EmbeddedBroker(EmbeddedBrokerOptions options, ILogger logger)
    {
        var folder = new PkiFolder(options.CertsDirectory);
        _validator = ClientCertificateValidator.ForFolder(folder);
        _logger = logger;
        Port = options.Port;
        BindAddress = IPAddress.Parse(options.BindAddress);

        if (!File.Exists(folder.ServerCertificate))
        {
            throw new FileNotFoundException(
                $"No server certificate in '{folder.Directory}'. Create the PKI with 'pipeline certs init --dir {folder.Directory}'.",
                folder.ServerCertificate);
        }

        var serverCertificate = X509Certificate2.CreateFromPem(
            File.ReadAllText(folder.ServerCertificate), PrivateKeyFile.Read(folder.ServerKey));

        var serverOptions = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint() // otherwise MQTTnet also opens plain 1883 on every interface
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointBoundIPAddress(BindAddress)
            .WithEncryptedEndpointPort(options.Port)
            .WithEncryptionCertificate(serverCertificate)
            .WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithClientCertificate(ValidateClientCertificate, true)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .Build();

        _server = new MqttServerFactory().CreateMqttServer(serverOptions, new MqttNetLogger(logger));
        _server.ValidatingConnectionAsync += OnValidatingConnectionAsync;
        _server.InterceptingPublishAsync += OnInterceptingPublishAsync;
        _server.InterceptingSubscriptionAsync += OnInterceptingSubscriptionAsync;
        _server.QueuedApplicationMessageOverwrittenAsync += OnQueuedMessageOverwrittenAsync;
    }

    public IPAddress BindAddress { get; }

    public int Port { get; }

    /// <summary>Connections refused: bad or missing certificate, or a client id that is not the certificate's CN.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refusedConnections);

    public long DeniedPublishes => Interlocked.Read(ref _deniedPublishes);

    public long DeniedSubscriptions => Interlocked.Read(ref _deniedSubscriptions);

    /// <summary>QoS 1 messages dropped because a client's queue was full.</summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

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

        logger.LogInformation("Embedded MQTT broker listening on {Address}:{Port} (mTLS, CA in {CertsDirectory})",
            broker.BindAddress, broker.Port, options.CertsDirectory);
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        }

        _server.Dispose();
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

        e.SessionItems[IdentityKey] = identity;
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
        if (e.SessionItems[IdentityKey] is ClientIdentity identity && TopicPolicy.MayPublish(identity, topic))
        {
            return Task.CompletedTask;
        }

        e.ProcessPublish = false;
        e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        e.Response.ReasonString = $"'{e.ClientId}' may not publish to '{topic}'";
        var denied = Interlocked.Increment(ref _deniedPublishes);
        if (ShouldLog(denied))
        {
            _logger.LogWarning("Denied publish by {ClientId} to {Topic} ({Denied} denied so far)", e.ClientId, topic, denied);
        }

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
