using System.Collections.Concurrent;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Ingesting;

/// <summary>Counters of the ingest graph, for logs, the demo view, benchmarks and specs.</summary>
public sealed class IngestMetrics
{
    private long _received;
    private long _stored;
    private long _duplicates;
    private long _rejected;
    private long _acknowledged;
    private long _maxInFlight;
    private long _verdicts;
    private long _anomalous;
    private readonly ConcurrentDictionary<string, Verdict> _latest = new(StringComparer.Ordinal);

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

    internal void OnReceived()
    {
        Interlocked.Increment(ref _received);
        var inFlight = InFlight;
        long seen;
        while (inFlight > (seen = Interlocked.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, seen) != seen)
        {
        }
    }

    internal void OnStored(int inserted, int duplicates, int rejected)
    {
        Interlocked.Add(ref _stored, inserted);
        Interlocked.Add(ref _duplicates, duplicates);
        Interlocked.Add(ref _rejected, rejected);
    }

    internal void OnVerdicts(IReadOnlyList<Verdict> verdicts, int anomalous)
    {
        foreach (var verdict in verdicts)
        {
            _latest[verdict.SensorId] = verdict;
        }

        Interlocked.Add(ref _verdicts, verdicts.Count);
        Interlocked.Add(ref _anomalous, anomalous);
    }

    internal void OnAcknowledged(int count) => Interlocked.Add(ref _acknowledged, count);
}
