using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace Pipeline.Streams.Connecting;

/// <summary>
/// The node's MQTT connection: its packets leave in as few writes as they arrive, and, given <c>roomToRead</c>, it reads
/// only while the node's intake has room.
/// <para>
/// Writes: what the MQTT client sends while the last write is still on its way goes out together in the next one, and
/// so in one TLS record instead of one each. Why: Mosquitto reads one MQTT packet from a client each time its socket is ready, and then only what is left of the
/// TLS record it decrypted. The node acknowledges a stored batch at once — a thousand PUBACKs of 4 bytes — and with a
/// record each, a broker busy with a fleet publishing at full speed took them off the node's socket one per pass of its
/// loop: measured with <c>bench/e2e.sh</c>, the node's socket sat full (49,152 bytes unread by the broker) for 7-10 s
/// in every 100,000-message run while the fleet published, and the node, its acknowledgements unsent, took nothing new
/// meanwhile (bench/README.md). In one record the broker reads them all in one pass.
/// </para>
/// <para>
/// The queue, and what a write waits for, are <see cref="CoalescedWrites"/>'s; the channel only notes the client's pings
/// on their way out (below).
/// </para>
/// <para>
/// Reads: MQTTnet's client reads its socket without pause and queues every PUBLISH until the application takes it, and
/// Mosquitto 2.0.11 sends the node past its Receive Maximum: with 10,000 devices at full speed a gcdump held 489,306
/// PUBLISH packets waiting in the client, most of a 645 MB node (bench/README.md). So a read that starts a packet first
/// waits for room in the intake (<c>roomToRead</c>) — TCP then holds the rest at the broker, which queues it as it does
/// for a node that is away — but at most <see cref="MaxReadPause"/>. The rest of a packet begun is read at once.
/// </para>
/// <para>
/// Pings: the broker's answer to the client's PINGREQ comes behind the PUBLISH packets held, and the client takes a
/// connection that does not answer within half its keepalive (7.5 s at the node's 15 s) for dead — it did, every
/// 25 s, while a store stalled under a large fleet. So while reads are held, the channel answers the client's ping
/// itself (a PINGRESP at the next packet's start); the PINGREQ still goes to the broker, which keeps the session. The broker's own answer, when it
/// comes, reaches the client as an unasked one, which MQTTnet ignores. A broker that died meanwhile is found once reads
/// go on: its answers stop, or the socket fails.
/// </para>
/// <para>
/// Closing: <c>closing</c> is told first when the client disconnects this channel, for whatever reason. MQTTnet does so
/// before it waits for the application's message handler to return, so a handler waiting for room in the intake must
/// hear of it and stop waiting (TelemetryIntake).
/// </para>
/// </summary>
public sealed class NodeMqttChannel(IMqttChannel inner, Func<CancellationToken, ValueTask<bool>>? roomToRead = null, Action? closing = null) : IMqttChannel
{
    /// <summary>
    /// The longest a read waits for room in the intake before it reads anyway: however long a store stalls, the node
    /// still reads its broker, a packet at a time (a DISCONNECT, a session taken over).
    /// </summary>
    public static readonly TimeSpan MaxReadPause = TimeSpan.FromSeconds(5);

    /// <summary>Bytes queued behind the write on its way before a write waits (<see cref="CoalescedWrites"/>).</summary>
    public const int MaxQueuedBytes = CoalescedWrites.MaxQueuedBytes;

    private static readonly byte[] PingResponse = [0xD0, 0x00];

    private readonly CoalescedWrites _writes = new(bytes => inner.WriteAsync(new ReadOnlySequence<byte>(bytes), true, CancellationToken.None));
    private readonly Lock _gate = new();
    private IncomingPacketCursor _incoming;
    private int _localAnswerRest;
    private int _pingsAwaited;
    private bool _writeStartsPacket = true;
    private TaskCompletionSource? _pingWhileHolding;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_localAnswerRest > 0)
        {
            return Task.FromResult(TakeLocalAnswer(buffer, offset, count));
        }

        // Only before a packet: the rest of one already begun is in the socket, and the client waits for all of it.
        if (roomToRead is not null && _incoming.AtStart)
        {
            var room = roomToRead(cancellationToken);
            if (!room.IsCompleted)
            {
                return ReadAfterHoldAsync(room, buffer, offset, count, cancellationToken);
            }
        }

        // Most reads find their bytes already decrypted: then the inner read's own task is the answer, and no second
        // one is made (a task per read was a twentieth of what the node allocated per reading; bench/README.md).
        var read = inner.ReadAsync(buffer, offset, count, cancellationToken);
        if (!read.IsCompletedSuccessfully)
        {
            return FollowAsync(read, buffer, offset);
        }

        Follow(buffer.AsSpan(offset, read.Result));
        return read;
    }

    private async Task<int> ReadAfterHoldAsync(ValueTask<bool> room, byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (await HoldAsync(room, cancellationToken).ConfigureAwait(false))
        {
            _localAnswerRest = PingResponse.Length;
            return TakeLocalAnswer(buffer, offset, count);
        }

        return await FollowAsync(inner.ReadAsync(buffer, offset, count, cancellationToken), buffer, offset).ConfigureAwait(false);
    }

    private async Task<int> FollowAsync(Task<int> read, byte[] buffer, int offset)
    {
        var bytes = await read.ConfigureAwait(false);
        Follow(buffer.AsSpan(offset, bytes));
        return bytes;
    }

    /// <summary>Follows the bytes read through the packets; the broker's ping answers among them are answers no longer awaited.</summary>
    private void Follow(ReadOnlySpan<byte> read)
    {
        var answered = _incoming.Advance(read);
        if (answered > 0)
        {
            lock (_gate)
            {
                _pingsAwaited = Math.Max(0, _pingsAwaited - answered);
            }
        }
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        NotePingRequest(buffer, isEndOfPacket);
        return _writes.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>What is queued goes out before the connection closes (a DISCONNECT last), within 2 s.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        closing?.Invoke();
        await _writes.Sending.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await inner.DisconnectAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => inner.Dispose();

    /// <summary>
    /// Counts the client's PINGREQ before it goes out, so that a read held for room answers it here (<see
    /// cref="HoldAsync"/>). MQTTnet writes one packet at a time, so where a packet starts is known.
    /// </summary>
    private void NotePingRequest(ReadOnlySequence<byte> buffer, bool isEndOfPacket)
    {
        var ping = IsPingRequest(buffer, _writeStartsPacket, isEndOfPacket);
        _writeStartsPacket = isEndOfPacket;
        if (ping)
        {
            lock (_gate)
            {
                _pingsAwaited++;
                _pingWhileHolding?.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Waits for room in the intake, at most <see cref="MaxReadPause"/>; true when instead the client's ping is to be
    /// answered here: its answer from the broker waits in the socket behind the PUBLISH packets held.
    /// </summary>
    private async Task<bool> HoldAsync(ValueTask<bool> room, CancellationToken cancellationToken)
    {
        var roomTask = room.AsTask(); // consumed even when a ping is answered first: the channel reuses its waiter
        TaskCompletionSource ping;
        lock (_gate)
        {
            if (_pingsAwaited > 0)
            {
                _pingsAwaited--;
                return true;
            }

            _pingWhileHolding = ping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await ((Task)Task.WhenAny(roomTask, ping.Task).WaitAsync(MaxReadPause, cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            _pingWhileHolding = null;
            if (_pingsAwaited > 0)
            {
                _pingsAwaited--;
                return true;
            }
        }

        return false;
    }

    /// <summary>The rest of a PINGRESP answered here, as much of it as the client asked for.</summary>
    private int TakeLocalAnswer(byte[] buffer, int offset, int count)
    {
        var taken = Math.Min(count, _localAnswerRest);
        PingResponse.AsSpan(PingResponse.Length - _localAnswerRest, taken).CopyTo(buffer.AsSpan(offset));
        _localAnswerRest -= taken;
        return taken;
    }

    /// <summary>A whole PINGREQ: its fixed header alone, written as a packet of its own.</summary>
    private static bool IsPingRequest(ReadOnlySequence<byte> written, bool startsPacket, bool isEndOfPacket)
    {
        if (!startsPacket || !isEndOfPacket || written.Length != 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[2];
        written.CopyTo(bytes);
        return bytes[0] == 0xC0 && bytes[1] == 0x00;
    }

}
