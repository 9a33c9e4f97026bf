using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipeline.Models.Detection;
using Pipeline.Streams.Storing;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// Counters of the ingest graph, for logs, the demo view, benchmarks and specs — and the same as
/// <see cref="System.Diagnostics.Metrics"/> instruments on the meter <see cref="MeterName"/>, which the node exports to
/// Prometheus (docs/operations.md names each).
/// </summary>
public sealed class IngestMetrics
{
    public const string MeterName = "Pipeline.Ingest";

    private readonly Counter<long> _rejectedByReason;
    private readonly Counter<long> _verdictsByOutcome;
    private readonly Histogram<double> _storedDelay;
    private readonly Histogram<double> _verdictDelay;

    private long _received;
    private long _stored;
    private long _duplicates;
    private long _rejected;
    private long _acknowledged;
    private long _acknowledgedAtMs = Environment.TickCount64; // the start, before the first
    private long _maxInFlight;
    private long _newestStampMs;
    private long _verdicts;
    private long _anomalous;
    private readonly ConcurrentDictionary<string, Verdict> _latest = new(StringComparer.Ordinal);

    /// <param name="meters">The host's meter factory; without one (specs, benchmarks) the meter is this instance's own.</param>
    public IngestMetrics(IMeterFactory? meters = null)
    {
        var meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        meter.CreateObservableCounter("pipeline.readings.received", () => Received, description: "Telemetry messages received from the broker.");
        meter.CreateObservableCounter("pipeline.readings.stored", () => Stored, description: "Readings written to the store for the first time.");
        meter.CreateObservableCounter("pipeline.readings.duplicate", () => Duplicates, description: "Readings received again (redeliveries), stored once.");
        meter.CreateObservableCounter("pipeline.readings.acknowledged", () => Acknowledged, description: "Messages acknowledged to the broker (only once stored).");
        meter.CreateObservableGauge("pipeline.readings.in_flight", () => InFlight, description: "Received and not yet acknowledged.");
        _rejectedByReason = meter.CreateCounter<long>("pipeline.readings.rejected", description: "Messages that can never become readings, by reason; kept in the rejects table.");
        _verdictsByOutcome = meter.CreateCounter<long>("pipeline.verdicts", description: "Windows judged, by whether the score exceeded the threshold.");
        _storedDelay = meter.CreateHistogram("pipeline.ingest.stored.delay", "s", "From a message's arrival to its reading committed to the store.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DelayBuckets });
        _verdictDelay = meter.CreateHistogram("pipeline.ingest.verdict.delay", "s", "From a message's arrival to its window's verdict stored.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DelayBuckets });
    }

    /// <summary>Milliseconds to seconds: at 1,000 readings/s the node answers within tens of milliseconds.</summary>
    private static readonly double[] DelayBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Readings written for the first time.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Readings that were already stored (redeliveries): kept once.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Messages that can never become readings, kept in the rejects table.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Windows judged (one verdict each; a window judged again after a crash counts again, its verdict is stored once).</summary>
    public long Verdicts => Interlocked.Read(ref _verdicts);

    /// <summary>Verdicts whose score exceeded the threshold.</summary>
    public long Anomalous => Interlocked.Read(ref _anomalous);

    /// <summary>The newest stored verdict of each sensor.</summary>
    public IReadOnlyDictionary<string, Verdict> LatestVerdicts => _latest;

    /// <summary>Received but not yet acknowledged.</summary>
    public long InFlight => Received - Acknowledged;

    /// <summary>The most messages ever in flight at once.</summary>
    public long MaxInFlight => Interlocked.Read(ref _maxInFlight);

    /// <summary>The newest device timestamp among the readings stored (Unix ms), 0 before the first: how far behind its broker the node works.</summary>
    public long NewestStampMs => Interlocked.Read(ref _newestStampMs);

    internal void OnReceived()
    {
        Interlocked.Increment(ref _received);
        var inFlight = InFlight;
        long seen;
        while (inFlight > (seen = Interlocked.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, seen) != seen)
        {
        }
    }

    internal void OnStored(int inserted, int duplicates, IReadOnlyList<RejectedMessage> rejects, long newestStampMs = 0)
    {
        long seen;
        while (newestStampMs > (seen = Interlocked.Read(ref _newestStampMs)) && Interlocked.CompareExchange(ref _newestStampMs, newestStampMs, seen) != seen)
        {
        }

        Interlocked.Add(ref _stored, inserted);
        Interlocked.Add(ref _duplicates, duplicates);
        foreach (var reject in rejects)
        {
            Interlocked.Increment(ref _rejected);
            _rejectedByReason.Add(1, new KeyValuePair<string, object?>("reason", reject.Reason.ToString()));
        }
    }

    /// <summary>A message's time from its arrival to its reading (or reject) stored.</summary>
    internal void OnStoredDelay(TimeSpan delay) => _storedDelay.Record(delay.TotalSeconds);

    internal void OnVerdicts(IReadOnlyList<Verdict> verdicts)
    {
        var anomalous = 0;
        foreach (var verdict in verdicts)
        {
            _latest[verdict.SensorId] = verdict;
            anomalous += verdict.Anomalous ? 1 : 0;
        }

        if (anomalous > 0)
        {
            _verdictsByOutcome.Add(anomalous, new KeyValuePair<string, object?>("anomalous", "true"));
        }

        if (verdicts.Count > anomalous)
        {
            _verdictsByOutcome.Add(verdicts.Count - anomalous, new KeyValuePair<string, object?>("anomalous", "false"));
        }

        Interlocked.Add(ref _verdicts, verdicts.Count);
        Interlocked.Add(ref _anomalous, anomalous);
    }

    /// <summary>A message's time from its arrival to its verdicts stored (or, when it completed no window, to its acknowledgement).</summary>
    internal void OnVerdictDelay(TimeSpan delay) => _verdictDelay.Record(delay.TotalSeconds);

    /// <summary>How long since the stream last acknowledged a message (since the start, before the first): with messages in flight, how long it has not moved.</summary>
    public TimeSpan SinceAcknowledged => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _acknowledgedAtMs));

    internal void OnAcknowledged(int count)
    {
        Interlocked.Add(ref _acknowledged, count);
        Interlocked.Exchange(ref _acknowledgedAtMs, Environment.TickCount64);
    }
}
