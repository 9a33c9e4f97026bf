using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Pipeline.Actors.Inference;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Actors.Sensors;

/// <summary>
/// One sensor, all of it: its readings' way through the sequence check into the window (<see cref="SensorIntake"/>),
/// the detector's side of its windows (<see cref="SensorDetector"/>: learning, calibration, judging — the network runs
/// in the node's <see cref="InferenceActor"/>) and its alarms (<see cref="SensorAlarms"/>), journalled before they are
/// published or the readings answered. One batch at a time: what arrives meanwhile waits in the stash, so a sensor's
/// alarms change in the order its readings came.
/// <para>
/// Started on its first message (or at node start when registered); it loads its open alarms, its calibration and —
/// when started by readings — the readings before them, so a restart or a rebalance neither blinds it for a window's
/// length nor forgets an alarm.
/// </para>
/// </summary>
public sealed partial class SensorActor : UntypedActor, IWithStash
{
    private readonly string _sensorId;
    private readonly SensorServices _services;
    private readonly string _node;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private SensorSettings _settings;
    private readonly SensorIntake _intake;
    private SensorDetector _detector;
    private SensorAlarms _alarms;
    private readonly Receive _running;
    private readonly Receive _busy;
    private ICancelable? _loadAgain;

    public SensorActor(string sensorId, SensorServices services)
    {
        _sensorId = sensorId;
        _services = services;
        _settings = services.Settings.For(sensorId);
        var model = services.Models.For(_settings.Model);
        _intake = new SensorIntake(sensorId, _settings, WindowOf(model)) { FirstReadingsWait = services.SharedIntake, WindowArrays = services.WindowArrays };
        _detector = new SensorDetector(sensorId, model, services.LearningReadings);
        _alarms = SensorAlarms.Load(sensorId, services.Alarms, []);
        _node = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        // The states' handlers are plain methods, made delegates once: a ReceiveActor keeps a table of typed handlers
        // per instance (about 1.3 KB a sensor, bench/README.md "Memory per sensor") and built a busy state per batch.
        // They are Akka's Receive (handled: true; each handler calls Unhandled itself), because UntypedActor.Become
        // wraps an UntypedReceive in a new Receive at every switch, two per batch.
        (_running, _busy) = (message => { Running(message); return true; }, message => { Busy(message); return true; });
    }

    public IStash Stash { get; set; } = null!;

    /// <summary>
    /// Made for each line, not kept: an adapter holds its own copy of the actor's path (about 230 bytes a sensor,
    /// bench/README.md "Memory per sensor"), and a sensor has something to say a few times in its life, not per reading.
    /// On the actor's thread only (<see cref="ActorBase.Context"/>).
    /// </summary>
    private static ILoggingAdapter Log => Context.GetLogger();

    public static Props Props(string sensorId, SensorServices services) => Akka.Actor.Props.Create(() => new SensorActor(sensorId, services));

    /// <summary>Until its state is loaded (<see cref="Load"/>).</summary>
    protected override void OnReceive(object message) => Starting(message);

    protected override void PostStop()
    {
        _checks?.Cancel();
        _loadAgain?.Cancel();
        _reorderWait?.Cancel();
        base.PostStop();
    }

    private void Run()
    {
        _services.Board.Report(Status());
        StartChecks();
        Ready();
    }

    /// <summary>Taking readings, commands and its own checks.</summary>
    private void Running(object message)
    {
        switch (message)
        {
            case RecordReadings record:
                HandleRecordReadings(record);
                break;
            case AcknowledgeAlarm acknowledge:
                HandleAcknowledge(acknowledge);
                break;
            case ShelveAlarm shelve:
                HandleShelve(shelve);
                break;
            case Rewind rewind:
                HandleRewind(rewind);
                break;
            case WakeUp:
                break;
            case ReorderDue due:
                HandleReorderDue(due);
                break;
            case Check:
                HandleCheck();
                break;
            case CalibrationChecked checkedIn:
                HandleCalibrationChecked(checkedIn);
                break;
            case WindowsScored late:
                HandleWindowsScored(late);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// Waiting for the model, the journal or a calibration fit — one at a time, so one state answers all three: everything
    /// else waits its turn in the stash.
    /// </summary>
    private void Busy(object message)
    {
        switch (message)
        {
            case WindowsScored scored:
                HandleWindowsScored(scored);
                break;
            case Status.Failure failed when _scoring is not null:
                HandleScoringFailed(failed.Cause);
                break;
            case Check when ScoringOverdue() is { } overdue:
                HandleScoringFailed(overdue);
                Stash.Stash();
                break;
            case Fitted fitted:
                HandleFitted(fitted);
                break;
            case FitFailed failed:
                HandleFitFailed(failed);
                break;
            case Journalled journalled:
                HandleJournalled(journalled);
                break;
            case JournalFailed failed:
                HandleJournalFailed(failed);
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    /// <summary>Between batches: back from whatever made the sensor busy, and on to what waited meanwhile.</summary>
    private void Ready()
    {
        Context.Become(_running);
        Stash.UnstashAll();
    }

    private void BeBusy() => Context.Become(_busy);

    private void HandleRewind(Rewind rewind)
    {
        // Passivate first: the shard then holds every later message for the next incarnation, and the reply tells the
        // stream it may deliver again.
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        Sender.Tell(new Rewound(_sensorId));
    }

    private void HandleRecordReadings(RecordReadings record)
    {
        FollowSettingsAndModel();
        Continue(new SensorBatch(record.Readings, Sender, record.RequestId));
    }

    /// <summary>
    /// Takes the batch's readings from where it stopped, in sequence order: one that came after a missing predecessor
    /// waits for it (<see cref="ReorderBuffer"/>), and its batch's answer with it (<see cref="AnswerBatch"/>). The
    /// learning period ending stops the batch until the calibration is fitted.
    /// </summary>
    private void Continue(SensorBatch batch)
    {
        var now = DateTimeOffset.UtcNow;
        var reordered = _intake.Reordered;
        // All of the batch first: readings out of order within it need not wait for anything.
        while (batch.Next() is { } reading)
        {
            if (_intake.Offer(reading, now) is { } duplicate)
            {
                batch.Outcomes.Add(new ReadingRecorded(reading.Sequence, duplicate.Decision.Verdict, null));
            }
        }

        while (_intake.Next(now) is { } outcome)
        {
            batch.Outcomes.Add(new ReadingRecorded(outcome.Reading.Sequence, outcome.Decision.Verdict, outcome.Decision.Reason));
            batch.Health.AddRange(outcome.Health);
            LogIntake(outcome);
            if (outcome.Row is not { } row)
            {
                continue;
            }

            if (outcome.Window is { } window)
            {
                batch.Windows.Add(_detector.Prepare(window));
            }

            if (_detector.IsLearning && _detector.Learned == 0 && _services.StartLines.TryWrite(DateTimeOffset.UtcNow, out var note))
            {
                Log.Info("Sensor {0} is learning: its own calibration of {1} comes after {2} readings; until then no anomaly alarms{3}",
                    _sensorId, _detector.Model.Version, _detector.LearningRows, note);
            }

            if (_detector.Observe(row) is { } learned)
            {
                Fit(learned, batch);
                return;
            }
        }

        LogReordered(reordered);
        Score(batch);
    }

    /// <summary>Each window's score against its calibration, then the alarms: health transitions first, then the verdicts in order.</summary>
    private void Judge(SensorBatch batch, IReadOnlyList<WindowScore> scores)
    {
        var alarms = _alarms;
        var changes = new List<AlarmChange>();
        foreach (var health in batch.Health)
        {
            alarms = Apply(alarms.OnHealth(health), changes);
        }

        var verdicts = new List<Verdict>(scores.Count);
        for (var i = 0; i < scores.Count; i++)
        {
            var verdict = SensorDetector.Judge(batch.Windows[i], scores[i], _detector.Model.Manifest.Signals);
            alarms = Apply(alarms.OnVerdict(verdict), changes);
            // A copy only when the alarm is up: one per window was 2 % of a quiet node's allocation samples (bench/README.md).
            var active = alarms.IsActive(AlarmType.Anomaly);
            verdicts.Add(verdict.AlarmActive == active ? verdict : verdict with { AlarmActive = active });
        }

        // The windows' values were scored and are read no more: their arrays go back for the next windows.
        foreach (var window in batch.Windows)
        {
            _services.WindowArrays.Return(window.Values);
        }

        if (batch.Health.Count > 0 || _intake.LastSequence % 10 == 0)
        {
            _services.Board.Report(Status());
        }

        Commit(alarms, changes, verdicts, batch.ReplyTo, new ReadingsRecorded(_sensorId, batch.Outcomes, verdicts) { RequestId = batch.RequestId });
    }

    private SensorStatus Status()
    {
        var status = _intake.Status(_node, DateTimeOffset.UtcNow);
        var detector = _detector.IsLearning ? $"learning {_detector.Learned}/{_detector.LearningRows}"
            : _detector.Calibration.Doubt(_detector.Model.Manifest) is not null ? "calibration doubtful (see the log)"
            : null;
        return detector is null ? status : status with { Health = status.Health == "ok" ? detector : $"{status.Health}; {detector}" };
    }
}
