using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Detection;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// The sensors' shard region: one <see cref="RecordReadings"/> per sensor and batch, told in parallel with one
/// long-lived actor as their sender (<see cref="SensorReplies"/>), which takes every reply by its request number. An ask
/// per sensor and batch registered a temporary actor and armed a timer — the largest single share, 15 %, of what a
/// node at a steady 1,000 readings/s allocated (bench/README.md). A reply not in within the ask timeout fails its
/// request with an <see cref="AskTimeoutException"/>, as the ask did.
/// </summary>
public sealed class ShardedSensorFleet : ISensorFleet, IDisposable
{
    private readonly IActorRef _region;
    private readonly IActorRef _replies;
    private readonly ConcurrentDictionary<long, PendingRecord> _pending = new();
    private readonly Lock _watching = new();
    private CancellationToken _watched;
    private CancellationTokenRegistration _cancelled;
    private long _lastRequest;

    public ShardedSensorFleet(ActorSystem system, IActorRef region, TimeSpan askTimeout)
    {
        ArgumentNullException.ThrowIfNull(system);
        _region = region;
        _replies = system.ActorOf(SensorReplies.Props(_pending, askTimeout));
    }

    public Task<IReadOnlyList<Verdict>> RecordAsync(IReadOnlyList<Reading> readings, CancellationToken cancellation)
    {
        FailAllWhenCancelled(cancellation);

        // A quiet node's batch is one reading of one sensor: told as it is, without grouping, and its request's own task
        // returned — no state machine of this method's around it (bench/README.md).
        return OfOneSensor(readings) ? Record(readings[0].SensorId, readings) : RecordEachSensorAsync(readings);
    }

    public void Dispose()
    {
        _cancelled.Dispose();
        _replies.Tell(PoisonPill.Instance);
        FailAll(new ObjectDisposedException(nameof(ShardedSensorFleet), "the ingest stream stopped"));
    }

    private async Task<IReadOnlyList<Verdict>> RecordEachSensorAsync(IReadOnlyList<Reading> readings)
    {
        var all = await Task.WhenAll(readings.GroupBy(r => r.SensorId, StringComparer.Ordinal)
            .Select(sensor => Record(sensor.Key, sensor.ToList())))
            .ConfigureAwait(false);
        return all.SelectMany(verdicts => verdicts).ToList();
    }

    private Task<IReadOnlyList<Verdict>> Record(string sensorId, IReadOnlyList<Reading> readings)
    {
        var requestId = Interlocked.Increment(ref _lastRequest);
        var pending = new PendingRecord(sensorId);
        _pending[requestId] = pending;
        _region.Tell(new RecordReadings(sensorId, readings) { RequestId = requestId }, _replies);
        return pending.Task;
    }

    /// <summary>The stream stopping fails what it waits for, as a cancelled ask did; one registration per token, not per request.</summary>
    private void FailAllWhenCancelled(CancellationToken cancellation)
    {
        if (!cancellation.CanBeCanceled || cancellation == _watched)
        {
            return;
        }

        lock (_watching)
        {
            if (cancellation != _watched)
            {
                _cancelled.Dispose();
                _watched = cancellation;
                _cancelled = FailAllOn(cancellation);
            }
        }
    }

    // Apart from FailAllWhenCancelled: its callback's closure captures the token, and C# makes a closure where the
    // captured variable's scope begins — here for every batch, not for the one registration (bench/README.md).
    private CancellationTokenRegistration FailAllOn(CancellationToken cancellation) =>
        cancellation.Register(() => FailAll(new OperationCanceledException(cancellation)));

    private void FailAll(Exception cause)
    {
        foreach (var requestId in _pending.Keys)
        {
            if (_pending.TryRemove(requestId, out var pending))
            {
                pending.TrySetException(cause);
            }
        }
    }

    private static bool OfOneSensor(IReadOnlyList<Reading> readings)
    {
        for (var i = 1; i < readings.Count; i++)
        {
            if (!string.Equals(readings[i].SensorId, readings[0].SensorId, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return readings.Count > 0;
    }
}

/// <summary>One request waiting for its sensor's verdicts: the task the stream awaits, and since when.</summary>
internal sealed class PendingRecord(string sensorId) : TaskCompletionSource<IReadOnlyList<Verdict>>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public string SensorId { get; } = sensorId;

    public long Since { get; } = Stopwatch.GetTimestamp();
}
