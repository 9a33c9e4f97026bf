using System.Threading.Channels;
using Akka;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;

namespace Pipeline.Streams.Subscribing;

/// <summary>
/// Where the node's MQTT session hands its telemetry to the ingest graph (<see cref="MqttTelemetrySource"/>): a bounded
/// queue of <see cref="MqttOptions.MaxInFlight"/> messages, the Receive Maximum the session asks for, so the broker never
/// has more unacknowledged messages out and a write only waits if a broker ignores the limit — then waiting (TCP
/// backpressure, <see cref="RoomToReadAsync"/>) is the right thing. A message waits for room for as long as its
/// connection lasts, never longer.
/// </summary>
internal sealed class TelemetryIntake(int capacity, ILogger logger, CancellationToken stopping) : IDisposable
{
    private readonly Channel<IncomingMessage> _channel = Channel.CreateBounded<IncomingMessage>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private volatile CancellationTokenSource _connection = new(); // cancelled as the connection closes (NodeMqttChannel)
    private volatile bool _subscribed;
    private long _received;
    private long _refusedAfterCompletion;

    /// <summary>The messages, in receive order. Completes after <see cref="Complete"/> once drained.</summary>
    public Source<IncomingMessage, NotUsed> Source => ChannelSource.FromReader(_channel.Reader);

    public long Received => Interlocked.Read(ref _received);

    /// <summary>A connection is about to be made: one token per connection, since the last one's channel closed before its loss was raised.</summary>
    public void Connecting()
    {
        _connection = new CancellationTokenSource();
        _subscribed = false;
    }

    /// <summary>The current connection's token, cancelled as it closes: what a message of it waits for ends with it.</summary>
    public CancellationToken Connection
    {
        get
        {
            try
            {
                return _connection.Token;
            }
            catch (ObjectDisposedException)
            {
                return new CancellationToken(canceled: true); // the intake is gone, and every connection with it
            }
        }
    }

    /// <summary>The connection is subscribed: from now on its reads wait for room (<see cref="RoomToReadAsync"/>).</summary>
    public void Subscribed() => _subscribed = true;

    /// <summary>The client closes the connection (NodeMqttChannel says so before MQTTnet waits for the message handler).</summary>
    public void ConnectionClosing() => _connection.Cancel();

    /// <summary>The current connection's token; those before it are left to the collector, a handler may still hold one.</summary>
    public void Dispose() => _connection.Dispose();

    /// <summary>Takes no more: the stream drains, and what the broker sends after this stays with it for the next session.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>
    /// Room in the intake, once this connection is subscribed. Before that the connection reads on: the broker's answers
    /// to connecting and subscribing may come behind the session's waiting messages, and the client gives up on them
    /// after its timeout.
    /// </summary>
    public ValueTask<bool> RoomToReadAsync(CancellationToken cancellationToken) =>
        _subscribed ? _channel.Writer.WaitToWriteAsync(cancellationToken) : new ValueTask<bool>(true);

    /// <summary>
    /// Queues a message, waiting for room while its connection lasts. A message not queued — the connection closed first,
    /// or the intake is complete — is not acknowledged: the broker sends it again on the next connection (a persistent
    /// session). Waiting past the connection's end stood the node deaf for good: MQTTnet's disconnect waits for the
    /// message handler, and the room could only come from the stream's acknowledgements on that same connection (#17).
    /// </summary>
    public async Task EnqueueAsync(IncomingMessage incoming)
    {
        try
        {
            if (_channel.Writer.TryWrite(incoming) || await WaitForRoomAsync(incoming).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _received);
            }
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            if (Interlocked.Increment(ref _refusedAfterCompletion) == 1)
            {
                logger.LogInformation("Intake closed: further messages stay with the broker until the node is back");
            }
        }
    }

    private async Task<bool> WaitForRoomAsync(IncomingMessage incoming)
    {
        var connection = _connection.Token;
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping, connection);
        try
        {
            await _channel.Writer.WriteAsync(incoming, waiting.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (connection.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            logger.LogDebug("A message on {Topic} waited for room in the intake until its connection closed; the broker sends it again", incoming.Topic);
            return false;
        }
    }
}
