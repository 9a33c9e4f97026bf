using System.Buffers;
using Akka;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Pipeline.Models.Alarms;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Publishing;

namespace Pipeline.Streams.Subscribing;

/// <summary>
/// The entry of the graph: a persistent MQTT 5 session (clean start off, session expiry set) subscribed to every
/// device's telemetry at QoS 1 with manual acknowledgement, asking for at most <see cref="MqttOptions.MaxInFlight"/>
/// unacknowledged messages (Receive Maximum). Its messages go to the <see cref="TelemetryIntake"/>, which holds no more
/// than that; a broker that sends past it (Mosquitto did, by thousands — bench/README.md) is made to wait by TCP, the
/// connection reading only while the intake has room (NodeMqttChannel). The connection is kept up with exponential
/// backoff and jitter; a broker that is down at start is waited for. What others do with the session lives elsewhere
/// (NodeMqttLink, the publishers, AlarmCommandService).
/// </summary>
public sealed class MqttTelemetrySource : IAsyncDisposable
{
    private readonly MqttOptions _options;
    private readonly BrokerEndpoint _endpoint;
    private MqttClientOptions _clientOptions;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly TelemetryIntake _intake;
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _connectLoop;
    private int _disposed;
    private int _connects;

    public MqttTelemetrySource(MqttOptions options, BrokerEndpoint broker, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
        _endpoint = broker;
        _clientOptions = ClientOptions(); // a missing or unreadable certificate is a start-up error, not a retry loop

        _intake = new TelemetryIntake(options.MaxInFlight, logger, _stopping.Token);
        // Acknowledgements coalesced (a busy Mosquitto reads one per TLS record), reads paced by the intake: NodeMqttChannel.
        _client = new MqttClientFactory().CreateMqttClient(new NodeClientAdapterFactory(_intake.RoomToReadAsync, _intake.ConnectionClosing));
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
        Source = _intake.Source;
    }

    /// <summary>The messages, in receive order. Completes after <see cref="CompleteIntake"/> once drained.</summary>
    public Source<IncomingMessage, NotUsed> Source { get; }

    public bool IsConnected => _client.IsConnected;

    public long Received => _intake.Received;

    /// <summary>Messages on <c>pipeline/commands/#</c> (operators' alarm commands); they do not enter the ingest graph.</summary>
    public event Func<IncomingCommand, Task>? CommandReceived;

    /// <summary>Raised after every successful (re)connect and subscribe.</summary>
    public event Action? Connected;

    /// <summary>
    /// Publishes on the node's own session. False when it did not go out, also when the connection drops meanwhile (the
    /// reconnect loop's business, never a caller's crash; #15). Ends with the connection at the latest: MQTTnet's send
    /// lock can hold a write for good when the connection is disposed under it (<see cref="IncomingMessage.Acknowledge"/>).
    /// </summary>
    public async Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_client.IsConnected)
        {
            return false;
        }

        var connection = _intake.Connection;
        using var either = cancellation.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellation, connection) : null;
        try
        {
            var result = await _client.PublishAsync(message, either?.Token ?? connection).ConfigureAwait(false);
            return result.IsSuccess;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or ObjectDisposedException
                                       || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            _logger.LogDebug(e, "Could not publish {Topic}: the connection went away", message.Topic);
            return false;
        }
    }

    /// <summary>
    /// The session's options with the identity's certificate as it is on disk now: a renewed certificate
    /// (<c>pipeline certs renew node</c>) is used from the next connection on, without a restart.
    /// </summary>
    private MqttClientOptions ClientOptions() =>
        MutualTlsClientOptions.For(_endpoint, _options.CertsDirectory, _options.Identity)
            .WithPasswordFrom(_options.Identity, _options.PasswordFile)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)_options.MaxInFlight)
            .WithKeepAlivePeriod(_options.KeepAlive)
            // The node's status is retained; if the node vanishes, the broker tells SCADA it is offline.
            .WithWillTopic(TopicContract.Status(_options.Identity))
            .WithWillPayload(NodeStatus.Offline)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();

    private void ReloadCertificate()
    {
        try
        {
            _clientOptions = ClientOptions();
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Could not reload the certificate of {Identity} ({Reason}); connecting with the one loaded before", _options.Identity, e.Message);
        }
    }

    /// <summary>Starts connecting in the background; returns at once (a broker that is down is not fatal).</summary>
    public void Start() => _connectLoop ??= Task.Run(() => KeepConnectedAsync(_stopping.Token));

    /// <summary>
    /// A node of a shared group that stops unsubscribes first, so that the broker gives the group's messages to the
    /// nodes that stay: Mosquitto keeps routing a member's share to its session while the session lives, also when the
    /// member is gone (measured, SharedFleetSpecs). What the broker had sent before its answer is in the intake by then
    /// and drains as usual. A no-op without a shared group or a connection.
    /// </summary>
    public async Task LeaveGroupAsync(CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(_options.SharedGroup) || !_client.IsConnected)
        {
            return;
        }

        try
        {
            await _client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder()
                .WithTopicFilter(_options.Subscription(TopicContract.AllTelemetry))
                .WithTopicFilter(_options.Subscription(AlarmCommand.Prefix + "#"))
                .Build(), cancellation).ConfigureAwait(false);
            _logger.LogInformation("Left the shared group '{Group}': the broker gives its messages to the other nodes", _options.SharedGroup);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            _logger.LogWarning("Could not leave the shared group '{Group}' ({Reason}): the broker may keep a share of the messages for this node's session until it is back",
                _options.SharedGroup, e.Message);
        }
    }

    /// <summary>
    /// Stops taking messages in, so that the stream can drain and ack what it holds. Anything the broker sends
    /// after this is left unacknowledged: it stays in the session and is delivered again next time.
    /// </summary>
    public void CompleteIntake() => _intake.Complete();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        CompleteIntake();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_connectLoop is not null)
        {
            await _connectLoop.ConfigureAwait(false);
        }

        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                _logger.LogDebug(e, "Disconnect from {Broker} did not complete cleanly", _endpoint);
            }
        }

        _client.Dispose();
        _intake.Dispose();
        _stopping.Dispose();
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (message.Topic.StartsWith(AlarmCommand.Prefix, StringComparison.Ordinal))
        {
            // Commands are handled (or rejected with a reason) at once and acknowledged by MQTTnet after this handler.
            if (CommandReceived is { } handler)
            {
                await handler(new IncomingCommand(message.Topic, message.Payload.ToArray(), message.ResponseTopic, message.CorrelationData)).ConfigureAwait(false);
            }

            return;
        }

        e.AutoAcknowledge = false;
        await _intake.EnqueueAsync(new IncomingMessage(message.Topic, message.Payload.ToArray(), message.Dup, DateTimeOffset.UtcNow, e, _intake.Connection)).ConfigureAwait(false);
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        _disconnected.TrySetResult();
        return Task.CompletedTask;
    }

    private async Task KeepConnectedAsync(CancellationToken stopping)
    {
        var delay = _options.ReconnectMinDelay;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _intake.Connecting();
                if (_connects++ > 0)
                {
                    ReloadCertificate();
                }

                var connected = await _client.ConnectAsync(_clientOptions, stopping).ConfigureAwait(false);
                if (connected.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new MqttConnectRefusedException($"broker refused the connection: {connected.ResultCode} {connected.ReasonString}");
                }

                var subscribed = await _client.SubscribeAsync(
                    new MqttClientSubscribeOptionsBuilder()
                        .WithTopicFilter(_options.Subscription(TopicContract.AllTelemetry), MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithTopicFilter(_options.Subscription(AlarmCommand.Prefix + "#"), MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build(),
                    stopping).ConfigureAwait(false);
                // Every filter must be granted at QoS 1: a refused command one leaves operators unanswered (#15), telemetry deaf.
                foreach (var item in subscribed.Items)
                {
                    if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
                    {
                        throw new MqttConnectRefusedException(
                            $"subscription to {item.TopicFilter.Topic} refused ({item.ResultCode}): is '{_options.Identity}' a node identity in the broker's ACL?");
                    }
                }

                _intake.Subscribed();
                _logger.LogInformation("Connected to {Broker} as {Identity} (session present: {SessionPresent}; up to {MaxInFlight} in flight{Shared})",
                    _endpoint, _options.Identity, connected.IsSessionPresent, _options.MaxInFlight,
                    string.IsNullOrEmpty(_options.SharedGroup) ? string.Empty : $"; sharing the fleet in group '{_options.SharedGroup}'");
                failures = 0;
                delay = _options.ReconnectMinDelay;
                Connected?.Invoke();

                await _disconnected.Task.WaitAsync(stopping).ConfigureAwait(false);
                _logger.LogWarning("Lost the connection to {Broker}; reconnecting (unacknowledged messages will be delivered again)", _endpoint);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MqttConnectRefusedException
                                          or OperationCanceledException or System.Security.Authentication.AuthenticationException
                                          or InvalidOperationException or IOException)
            {
                // One line per change of state: the first failure says why, the retries stay quiet.
                if (failures++ == 0)
                {
                    _logger.LogWarning("Cannot connect to {Broker}: {Reason}. Retrying with backoff up to {MaxDelay}",
                        _endpoint, ConnectFailure.Describe(e), _options.ReconnectMaxDelay);
                }
                else
                {
                    _logger.LogDebug("Connect attempt {Attempt} to {Broker} failed: {Reason}", failures, _endpoint, e.Message);
                }
            }

            var jittered = delay * (0.5 + Random.Shared.NextDouble() / 2);
            try
            {
                await Task.Delay(jittered, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
        }
    }
}
