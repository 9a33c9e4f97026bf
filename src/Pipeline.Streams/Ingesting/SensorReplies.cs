using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Pipeline.Actors.Sensors;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// The sender of every <see cref="RecordReadings"/> a <see cref="ShardedSensorFleet"/> tells: completes each waiting
/// request with its sensor's reply (or failure) by the request's number, and fails those not answered within the ask
/// timeout. A reply that comes after that is dropped: the stream has failed the batch and delivers it again.
/// </summary>
internal sealed class SensorReplies : ReceiveActor, IWithTimers
{
    private readonly ConcurrentDictionary<long, PendingRecord> _pending;
    private readonly TimeSpan _askTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public SensorReplies(ConcurrentDictionary<long, PendingRecord> pending, TimeSpan askTimeout)
    {
        _pending = pending;
        _askTimeout = askTimeout;
        Receive<ReadingsRecorded>(HandleRecorded);
        Receive<Status.Failure>(HandleFailure);
        Receive<Sweep>(_ => HandleSweep());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ConcurrentDictionary<long, PendingRecord> pending, TimeSpan askTimeout) =>
        Akka.Actor.Props.Create(() => new SensorReplies(pending, askTimeout));

    // A tenth of the timeout, between 10 ms and 1 s: a request fails at most that much later than an ask's would.
    protected override void PreStart() =>
        Timers.StartPeriodicTimer(nameof(Sweep), Sweep.Instance, TimeSpan.FromTicks(Math.Clamp(_askTimeout.Ticks / 10, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond)));

    private void HandleRecorded(ReadingsRecorded recorded)
    {
        if (_pending.TryRemove(recorded.RequestId, out var pending))
        {
            pending.TrySetResult(recorded.Verdicts);
        }
        else
        {
            _log.Warning("Sensor {0} answered request {1} after it had timed out; dropped (its readings are delivered again)", recorded.SensorId, recorded.RequestId);
        }
    }

    private void HandleFailure(Status.Failure failure)
    {
        if (failure.State is long requestId && _pending.TryRemove(requestId, out var pending))
        {
            pending.TrySetException(failure.Cause);
        }
        else
        {
            // Without its number (a sender that kept none) the request times out instead.
            _log.Warning(failure.Cause, "A sensor failed request {0}, which is no longer waited for", failure.State ?? "(unnumbered)");
        }
    }

    private void HandleSweep()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var (requestId, pending) in _pending)
        {
            if (Stopwatch.GetElapsedTime(pending.Since, now) >= _askTimeout && _pending.TryRemove(requestId, out _))
            {
                pending.TrySetException(new AskTimeoutException(
                    $"sensor {pending.SensorId} did not answer request {requestId} within {_askTimeout.TotalSeconds:0.#} s"));
            }
        }
    }

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }
}
