using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using Pipeline.Models.Detection;
using Pipeline.Models.Telemetry;
using Pipeline.Models.Topics;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;
using Pipeline.Streams.Subscribing;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// MQTT source -> decode -> store -> sensors -> verdicts stored -> ack. A reading's way: the codec turns each message
/// into a reading or a reject; what arrived while the previous batch was being written (or within the store's commit
/// interval, when one is set) is written in one transaction, one batch at a time, so a slow disk makes the stream wait
/// (and batches grow) while a quiet node writes each reading at once; the stored batch goes to the sensors as one unit
/// (one message per sensor), which judge the windows it made due and journal the alarms they change; their verdicts
/// are stored, and only then is every message of the batch acknowledged, in receive order — the next batch waits while
/// more acknowledgements than the broker's window are still unsent.
/// </summary>
public static class IngestGraph
{
    /// <param name="sensors">What follows storing: null, to store and acknowledge only.</param>
    /// <param name="scores">Where the stored verdicts' score points go for the dashboard (best effort, QoS 0); null: nowhere.</param>
    /// <param name="sensorsStoreVerdicts">
    /// The sensors journal their verdicts before they answer (a node of a shared group: each sensor's must be stored
    /// in its order, which several nodes' streams cannot keep); the stream then only counts and publishes them.
    /// </param>
    /// <param name="cancellation">
    /// Aborts the stream (IngestService: a stop that cannot drain, or a drain out of time): what a stage is waiting for
    /// is dropped, its messages left unacknowledged with the broker, and the stream ends when its source does. A stage
    /// that failed instead was logged by Akka as an error on each such stop, after the warning that said why. The
    /// acknowledgements are not its to drop: a stored message's PUBACK goes while its connection lasts, and ends with it
    /// (<see cref="IncomingMessage.Acknowledge"/>); the node closes the connection right after aborting.
    /// </param>
    /// <param name="maxUnsentAcks">
    /// Acknowledgements the MQTT client may hold unsent before the stream waits for them (the node's Receive Maximum,
    /// <see cref="Connecting.MqttOptions.MaxInFlight"/>): a broker too busy to read them must not make the node queue
    /// them without end (bench/README.md: 235,000 queued in 5 minutes behind a broker saving after every change).
    /// </param>
    public static IRunnableGraph<Task> Create(
        Source<IncomingMessage, NotUsed> source,
        TelemetryCodec codec,
        IReadingStore readingStore,
        IVerdictStore verdictStore,
        StoreOptions storeOptions,
        IngestMetrics metrics,
        ILogger logger,
        ISensorFleet? sensors = null,
        int parallelism = 4,
        MqttScorePublisher? scores = null,
        bool sensorsStoreVerdicts = false,
        int maxUnsentAcks = 1000,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(readingStore);
        ArgumentNullException.ThrowIfNull(verdictStore);
        ArgumentNullException.ThrowIfNull(storeOptions);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        var acks = new UnsentAcks(logger);
        var clock = new NodeClockWatch();

        return source
            .Select(message =>
            {
                metrics.OnReceived();
                return new Decoded(message, codec.Decode(message.Topic, message.Payload.Span, message.ReceivedAt));
            })
            .Via(Batches(storeOptions))
            .SelectAsync(1, batch => StoreAsync(batch, readingStore, metrics, logger, clock, cancellation))
            .SelectAsync(parallelism, async stored =>
            {
                // Every reading goes on, also one stored before: after a crash its window and verdict may be missing,
                // and the sensor refills from the readings before it, so it scores it again (stored once).
                try
                {
                    var verdicts = sensors is not null && stored.Readings.Count > 0
                        ? await sensors.RecordAsync(stored.Readings, cancellation).ConfigureAwait(false)
                        : [];
                    return new Judged(stored.Items, [.. verdicts]);
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    return new Judged([], []); // aborted: not acknowledged
                }
            })
            .BatchWeighted(storeOptions.BatchSize, judged => judged.Items.Count, first => first, (batch, next) => batch.Add(next))
            .SelectAsync(1, async judged =>
            {
                var verdicts = judged.Verdicts;
                if (!sensorsStoreVerdicts)
                {
                    try
                    {
                        await verdictStore.WriteVerdictsAsync(verdicts, cancellation).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                    {
                        return []; // aborted: not acknowledged
                    }
                }

                // Each message's delay to its verdict (a reading that completed no window yet counts when it is acked).
                var now = DateTimeOffset.UtcNow;
                metrics.OnVerdicts(verdicts);
                foreach (var item in judged.Items)
                {
                    metrics.OnVerdictDelay(now - item.Message.ReceivedAt);
                }

                scores?.Publish(verdicts);
                return judged.Items;
            })
            .SelectAsync(1, async items =>
            {
                foreach (var item in items)
                {
                    // Counted before the PUBACK leaves: the broker cannot send the next message before it gets it,
                    // so InFlight never under-reports what the broker holds open.
                    metrics.OnAcknowledged(1);
                    acks.Observe(item.Message.Acknowledge());
                }

                await acks.UntilAtMost(maxUnsentAcks).ConfigureAwait(false);
                return NotUsed.Instance;
            })
            .ToMaterialized(Sink.Ignore<NotUsed>(), Keep.Right);
    }

    /// <summary>
    /// The readings written in one transaction: what arrived while the previous batch was being written, or, with a
    /// <see cref="StoreOptions.CommitInterval"/>, what arrived within it (fewer, larger transactions: less written).
    /// </summary>
    private static Flow<Decoded, List<Decoded>, NotUsed> Batches(StoreOptions options) =>
        options.CommitInterval > TimeSpan.Zero
            ? Flow.Create<Decoded>().GroupedWithin(options.BatchSize, options.CommitInterval).Select(group => group.ToList())
            : Flow.Create<Decoded>().Batch(options.BatchSize, first => new List<Decoded> { first }, (batch, next) => Add(batch, next));

    private static List<T> Add<T>(List<T> batch, T next)
    {
        batch.Add(next);
        return batch;
    }

    /// <summary>
    /// Writes a batch's readings and rejects in one transaction. A quiet node's batches hold one message each, so what
    /// this allocates per batch it allocates per reading: no per-item wrappers, no enumerators (bench/README.md).
    /// </summary>
    private static async Task<StoredBatch> StoreAsync(
        List<Decoded> items, IReadingStore store, IngestMetrics metrics, ILogger logger, NodeClockWatch clock, CancellationToken cancellation)
    {
        var readings = new List<Reading>(items.Count);
        List<RejectedMessage>? rejects = null;
        var newestStampMs = 0L;
        foreach (var item in items)
        {
            switch (item.Result)
            {
                case DecodedReading decoded:
                    readings.Add(decoded.Reading);
                    newestStampMs = Math.Max(newestStampMs, decoded.Reading.TimestampMs);
                    break;
                case RejectedTelemetry rejected:
                    (rejects ??= []).Add(new RejectedMessage(item.Message.ReceivedAt, item.Message.Topic, rejected.Reason, rejected.Detail, item.Message.Payload));
                    break;
            }
        }

        StoreWriteResult written;
        try
        {
            written = await store.WriteAsync(readings, rejects ?? [], DateTimeOffset.UtcNow, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return new StoredBatch([], []); // aborted: not stored, not acknowledged
        }

        var now = DateTimeOffset.UtcNow;
        if (written.Refused.Count > 0)
        {
            // Readings the store refused (a device's counter gone back) are rejects: counted and logged as such, and no
            // sensor judges what the store does not hold.
            rejects = [.. rejects ?? [], .. written.Refused.Select(r => r.Reject)];
            var refused = written.Refused.Select(r => r.Reading).ToHashSet(ReferenceEqualityComparer.Instance);
            readings.RemoveAll(refused.Contains);
        }

        metrics.OnStored(written.Inserted, written.Duplicates, rejects ?? [], newestStampMs);
        foreach (var item in items)
        {
            metrics.OnStoredDelay(now - item.Message.ReceivedAt);
        }

        if (rejects is not null)
        {
            LogRejects(logger, rejects, metrics.Rejected);
            WatchClock(logger, rejects, clock);
        }

        return new StoredBatch(items, readings);
    }

    // Rejects are stored with the whole payload; the log names each one until it would flood, then counts.
    private static void LogRejects(ILogger logger, List<RejectedMessage> rejects, long total)
    {
        var first = total - rejects.Count;
        foreach (var reject in rejects)
        {
            if (++first <= 100 || first % 1000 == 0)
            {
                logger.LogWarning("Rejected telemetry on {Topic}: {Reason}: {Detail} (stored in rejects; {Rejected} so far)",
                    reject.Topic, reject.Reason, reject.Detail, first);
            }
        }
    }

    // Readings of several devices from the future: the node's clock is more likely behind than all of theirs ahead.
    private static void WatchClock(ILogger logger, List<RejectedMessage> rejects, NodeClockWatch clock)
    {
        foreach (var reject in rejects)
        {
            if (reject.Reason == RejectReason.TimestampInFuture
                && clock.Ahead(TopicContract.SensorIdOfTelemetry(reject.Topic) ?? reject.Topic, reject.ReceivedAt) is { } devices)
            {
                logger.LogWarning(
                    "Readings of {Count} devices ({Devices}) within a minute are ahead of the node's clock ({Now:u}): the node's clock is probably behind — "
                    + "a Raspberry Pi keeps no time while off and starts at its last shutdown until it reaches a time server. Their readings are rejected and kept in rejects "
                    + "until the clock is right; check 'timedatectl' (docs/reliability.md)",
                    devices.Count, string.Join(", ", devices.Take(5)) + (devices.Count > 5 ? ", ..." : string.Empty), reject.ReceivedAt);
            }
        }
    }

    /// <summary>A message and what the codec made of it.</summary>
    public sealed record Decoded(IncomingMessage Message, TelemetryDecodeResult Result);

    /// <summary>A stored batch: its messages, in receive order, and the readings among them (the rest were rejected).</summary>
    private sealed record StoredBatch(List<Decoded> Items, List<Reading> Readings);

    /// <summary>Stored batches' messages, in receive order, and the verdicts their readings led to.</summary>
    private sealed record Judged(List<Decoded> Items, List<Verdict> Verdicts)
    {
        public Judged Add(Judged next)
        {
            Items.AddRange(next.Items);
            Verdicts.AddRange(next.Verdicts);
            return this;
        }
    }
}
