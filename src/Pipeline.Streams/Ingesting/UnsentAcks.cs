using Microsoft.Extensions.Logging;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// The acknowledgements the ingest stream has handed to the MQTT client and that have not left yet. They are not
/// awaited one by one (that halves the rate); a failed one (the connection dropped) is reported, and the broker
/// redelivers its message. They are kept in order, so that the stream can wait when too many queue in the client: a
/// broker too busy to read them would otherwise make the node hold them without end (bench/README.md). Used by one
/// stage of the stream, one batch at a time (it is not thread-safe).
/// </summary>
internal sealed class UnsentAcks(ILogger logger)
{
    private readonly Queue<Task> _unsent = new();
    private long _failed;

    public void Observe(Task ack)
    {
        if (ack.IsCompletedSuccessfully)
        {
            return;
        }

        _unsent.Enqueue(ack);
        ack.ContinueWith(
            t =>
            {
                var failed = Interlocked.Increment(ref _failed);
                if (failed != 1 && failed % 1000 != 0)
                {
                    return;
                }

                // Cancelled as its connection closed (IncomingMessage; MQTTnet throws that at once for a connection
                // already closed): expected after every drop, and its stack trace says nothing an operator can use.
                var error = t.Exception?.GetBaseException();
                var closed = t.IsCanceled || error is OperationCanceledException;
                logger.LogWarning(closed ? null : error,
                    "Could not acknowledge a stored message ({Failed} so far){Why}; the broker will deliver it again and the store keeps it once",
                    failed, closed ? ": its connection closed before it went out" : string.Empty);
            },
            CancellationToken.None,
            TaskContinuationOptions.NotOnRanToCompletion, // failed, or cancelled as its connection closed
            TaskScheduler.Default);
    }

    /// <summary>
    /// Completes when at most <paramref name="bound"/> acknowledgements are still to leave. The client sends them in the
    /// order it was given them, so waiting for the oldest is waiting for the queue to shrink.
    /// </summary>
    public async Task UntilAtMost(int bound)
    {
        while (_unsent.TryPeek(out var oldest) && (oldest.IsCompleted || _unsent.Count > bound))
        {
            // A failed ack is reported by its continuation (above), not the stream's to fail on.
            await oldest.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _unsent.TryDequeue(out _);
        }
    }
}
