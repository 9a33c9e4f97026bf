using System.Buffers;

namespace Pipeline.Streams.Connecting;

/// <summary>
/// A connection's writes, coalesced: what is written while the last write is on its way goes out together in the next
/// one — in one TLS record instead of one per packet (why it matters: <see cref="NodeMqttChannel"/>). A write returns
/// once its bytes are queued, not sent: at most <see cref="MaxQueuedBytes"/> wait, and past that a write waits for the
/// one on its way (a peer that reads nothing holds the writer, as a full socket did). A write that fails fails every
/// later one: the connection is broken, and its user finds it so.
/// </summary>
/// <param name="send">Sends one coalesced batch on the connection.</param>
internal sealed class CoalescedWrites(Func<ReadOnlyMemory<byte>, Task> send)
{
    /// <summary>Bytes queued behind the write on its way before a write waits: four TLS records, some 16,000 PUBACKs.</summary>
    public const int MaxQueuedBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private ArrayBufferWriter<byte> _queued = new(4096);
    private ArrayBufferWriter<byte> _spare = new(4096);
    private TaskCompletionSource _sent = NewRound();
    private Task _sending = Task.CompletedTask;
    private bool _isSending;
    private Exception? _failed;

    /// <summary>The batch on its way, if any: what a connection about to close waits for.</summary>
    public Task Sending
    {
        get
        {
            lock (_gate)
            {
                return _sending;
            }
        }
    }

    public async Task WriteAsync(ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task sent;
            lock (_gate)
            {
                if (_failed is { } failed)
                {
                    throw new IOException("An earlier write on this connection failed: " + failed.Message, failed);
                }

                if (!_isSending || _queued.WrittenCount < MaxQueuedBytes)
                {
                    foreach (var segment in buffer)
                    {
                        _queued.Write(segment.Span);
                    }

                    if (!_isSending)
                    {
                        // On the thread pool, not inline: the client's next packets — the rest of a batch's PUBACKs,
                        // sent in a loop — queue meanwhile and go out together.
                        _isSending = true;
                        _sending = Task.Run(SendQueuedAsync, CancellationToken.None);
                    }

                    return;
                }

                sent = _sent.Task;
            }

            await sent.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes what is queued, swapping buffers, until nothing is; each round's end lets waiting writers in.</summary>
    private async Task SendQueuedAsync()
    {
        while (true)
        {
            ArrayBufferWriter<byte> batch;
            TaskCompletionSource round;
            lock (_gate)
            {
                if (_queued.WrittenCount == 0)
                {
                    _isSending = false;
                    return;
                }

                (batch, _queued, _spare) = (_queued, _spare, _queued);
                (round, _sent) = (_sent, NewRound());
            }

            try
            {
                await send(batch.WrittenMemory).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                TaskCompletionSource next;
                lock (_gate)
                {
                    _failed = e;
                    _isSending = false;
                    next = _sent;
                }

                // Writers that found the queue full wait for the next round, which no write will end now: let them
                // see the failure. Left waiting, one held MQTTnet's send lock for good, and with it the whole session
                // (a 10,000-device run stood deaf after the broker dropped the node).
                round.TrySetResult();
                next.TrySetResult();
                return;
            }

            batch.ResetWrittenCount();
            round.TrySetResult();
        }
    }

    private static TaskCompletionSource NewRound() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
