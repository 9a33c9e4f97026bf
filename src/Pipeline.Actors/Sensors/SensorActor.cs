using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Actors.Sensors;

/// <summary>
/// One sensor: its sliding window, its sequence bookkeeping and its health. Started on its first message (or at
/// node start when registered); on every (re)start it refills its window from the store, so a restart or a
/// rebalance does not blind it for a window's length. The refill takes the readings before the first one it is
/// given: that reading (and those after it) are already stored when they reach the actor.
/// </summary>
public sealed class SensorActor : ReceiveActor, IWithStash, IWithTimers
{
    private readonly string _sensorId;
    private readonly SensorSettings _settings;
    private readonly IReadingHistory _history;
    private readonly ISensorStatusBoard _board;
    private readonly WindowBuffer _window;
    private readonly HealthTracker _health;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _node;
    private long? _lastSequence;
    private long _lastTimestampMs;
    private DateTimeOffset? _lastSeen;
    private DateTimeOffset? _lastHeard;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private long _duplicates;
    private long _outOfOrder;
    private long _gaps;
    private long _incomplete;

    public SensorActor(string sensorId, SensorSettings settings, WindowSpec spec, IReadingHistory history, ISensorStatusBoard board)
    {
        _sensorId = sensorId;
        _settings = settings;
        _history = history;
        _board = board;
        _window = new WindowBuffer(spec);
        _health = new HealthTracker(sensorId, settings);
        _node = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        Starting();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string sensorId, SensorSettings settings, WindowSpec spec, IReadingHistory history, ISensorStatusBoard board) =>
        Akka.Actor.Props.Create(() => new SensorActor(sensorId, settings, spec, history, board));

    /// <summary>
    /// Until its first reading. Woken without one (a registered sensor at node start), it only watches for silence:
    /// refilling then would take readings already stored but still on their way here, and they would come as
    /// duplicates and never be scored.
    /// </summary>
    private void Starting()
    {
        Receive<RecordReading>(record => LoadHistory(record.Reading.Sequence));
        Receive<RecordReadings>(record => LoadHistory(record.Readings.Count > 0 ? record.Readings[0].Sequence : null));
        Receive<Rewind>(HandleRewind);
        Receive<WakeUp>(_ =>
        {
            WatchSilence();
            _board.Report(Status());
        });
        Receive<GetSensorStatus>(_ => Sender.Tell(Status()));
        Receive<CheckSilence>(_ => HandleSilence());
    }

    private void LoadHistory(long? beforeSequence)
    {
        Stash.Stash();
        _history.LatestAsync(_sensorId, _window.Spec.Length, beforeSequence, CancellationToken.None).PipeTo(
            Self,
            success: readings => new HistoryLoaded(readings),
            failure: e => new HistoryFailed(e));
        Become(WarmingUp);
    }

    private void WarmingUp()
    {
        Receive<HistoryLoaded>(HandleHistoryLoaded);
        Receive<HistoryFailed>(HandleHistoryFailed);
        ReceiveAny(_ => Stash.Stash());
    }

    private void Running()
    {
        Receive<RecordReading>(HandleRecordReading);
        Receive<RecordReadings>(HandleRecordReadings);
        Receive<Rewind>(HandleRewind);
        Receive<WakeUp>(_ => { });
        Receive<GetSensorStatus>(_ => Sender.Tell(Status()));
        Receive<CheckSilence>(_ => HandleSilence());

        WatchSilence();
    }

    // One periodic check rather than a receive timeout: a receive timeout is re-armed by every message, and each
    // re-arming leaves a cancelled entry in the scheduler until its deadline — measured at ~7 KB per sensor at
    // 1 Hz with a 30 s timeout. Offline is reported between 1 and 1.25 x OfflineAfter of silence.
    private void WatchSilence()
    {
        if (!Timers.IsTimerActive(nameof(CheckSilence)))
        {
            Timers.StartPeriodicTimer(nameof(CheckSilence), CheckSilence.Instance, _settings.OfflineAfter / 4);
        }
    }

    private void HandleHistoryLoaded(HistoryLoaded loaded)
    {
        foreach (var reading in loaded.Readings)
        {
            Accept(reading, emitWindow: false);
        }

        if (loaded.Readings.Count > 0)
        {
            _log.Debug("Sensor {0} warm-started with {1} readings up to seq {2}", _sensorId, loaded.Readings.Count, _lastSequence);
        }

        _board.Report(Status());

        Become(Running);
        Stash.UnstashAll();
    }

    private void HandleHistoryFailed(HistoryFailed failed)
    {
        _log.Warning(failed.Cause, "Sensor {0} could not read its history; its window starts empty", _sensorId);
        Become(Running);
        Stash.UnstashAll();
    }

    private void HandleRewind(Rewind rewind)
    {
        // Passivate first: the shard then holds every later message for the next incarnation, and the reply tells the
        // stream it may deliver again.
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        Sender.Tell(new Rewound(_sensorId));
    }

    private void HandleRecordReading(RecordReading record) => Sender.Tell(Record(record.Reading));

    private void HandleRecordReadings(RecordReadings record) => Sender.Tell(new ReadingsRecorded(_sensorId, record.Readings.Select(Record).ToList()));

    /// <summary>A reading through the sequence check into the window: the outcome, with the window that became due.</summary>
    private ReadingRecorded Record(Reading reading)
    {
        var decision = SequenceDecision.Decide(_lastSequence, _lastTimestampMs, reading.Sequence, reading.TimestampMs, _settings.SamplingPeriod, _settings.GapFactor);
        SensorWindow? window = null;
        switch (decision.Verdict)
        {
            case SequenceVerdict.Duplicate:
                _duplicates++;
                break;
            case SequenceVerdict.OutOfOrder:
                if (++_outOfOrder == 1 || _outOfOrder % 100 == 0)
                {
                    _log.Warning("Sensor {0}: rejected seq {1}: {2} ({3} out of order so far)", _sensorId, reading.Sequence, decision.Reason, _outOfOrder);
                }

                break;
            case SequenceVerdict.Gap or SequenceVerdict.Reset:
                _gaps++;
                _log.Info("Sensor {0}: window restarted at seq {1}: {2}", _sensorId, reading.Sequence, decision.Reason);
                _window.Clear();
                window = Accept(reading, emitWindow: true);
                break;
            default:
                window = Accept(reading, emitWindow: true);
                break;
        }

        return new ReadingRecorded(_sensorId, reading.Sequence, decision.Verdict, decision.Reason, window);
    }

    private SensorWindow? Accept(Reading reading, bool emitWindow)
    {
        _lastSequence = reading.Sequence;
        _lastTimestampMs = reading.TimestampMs;
        var now = DateTimeOffset.UtcNow;
        _lastSeen = emitWindow ? now : reading.Timestamp; // history: when it was measured, not now
        if (emitWindow)
        {
            _lastHeard = now;
        }

        var changed = false;
        foreach (var health in _health.Observe(reading, now))
        {
            Report(health);
            changed = true;
        }

        SensorWindow? window = null;
        if (_window.MissingSignal(reading) is { } missing)
        {
            // A window needs every signal at every step: a reading without one is a hole.
            if (_incomplete++ == 0)
            {
                _log.Warning("Sensor {0}: reading {1} lacks '{2}', which its model needs; the window restarts", _sensorId, reading.Sequence, missing);
            }

            _window.Clear();
        }
        else if (_window.Append(reading) && emitWindow)
        {
            window = _window.Snapshot(_sensorId);
        }

        if (emitWindow && (changed || _window.Count == 1 || reading.Sequence % 10 == 0))
        {
            _board.Report(Status());
        }

        return window;
    }

    private void HandleSilence()
    {
        var now = DateTimeOffset.UtcNow;
        if (now - (_lastHeard ?? _started) < _settings.OfflineAfter)
        {
            return;
        }

        if (_health.Silent(now, _lastSeen) is { } offline)
        {
            Report(offline);
            _board.Report(Status());
        }
    }

    private void Report(HealthEvent health)
    {
        Context.System.EventStream.Publish(health);
        if (health.Active)
        {
            _log.Warning("Sensor {0} {1}{2}: {3}", _sensorId, health.Condition, health.Signal is null ? string.Empty : $" ({health.Signal})", health.Detail);
        }
        else
        {
            _log.Info("Sensor {0} {1}{2} cleared: {3}", _sensorId, health.Condition, health.Signal is null ? string.Empty : $" ({health.Signal})", health.Detail);
        }
    }

    private SensorStatus Status() => new(
        _sensorId,
        _lastSeen,
        _lastSequence,
        _window.Count,
        _window.Spec.Length,
        HealthSummary(),
        _node,
        _duplicates,
        _outOfOrder,
        _gaps,
        DateTimeOffset.UtcNow);

    private string HealthSummary()
    {
        var parts = new List<string>();
        if (_health.IsOffline)
        {
            parts.Add("offline");
        }

        if (_health.StuckSignals.Count > 0)
        {
            parts.Add("stuck: " + string.Join(",", _health.StuckSignals.Order(StringComparer.Ordinal)));
        }

        if (_health.OutOfRangeSignals.Count > 0)
        {
            parts.Add("out of range: " + string.Join(",", _health.OutOfRangeSignals.Order(StringComparer.Ordinal)));
        }

        if (_health.PulsatingSignals.Count > 0)
        {
            parts.Add("pulsating: " + string.Join(",", _health.PulsatingSignals));
        }

        return parts.Count == 0 ? "ok" : string.Join("; ", parts);
    }

    private sealed class CheckSilence
    {
        public static readonly CheckSilence Instance = new();
    }

    private sealed record HistoryLoaded(IReadOnlyList<Reading> Readings);

    private sealed record HistoryFailed(Exception Cause);
}
