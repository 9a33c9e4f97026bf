using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;

namespace Pipeline.Actors.Alarms;

/// <summary>
/// The alert sink: one alarm per sensor and type, driven by verdicts (anomaly) and by the sensors' health events
/// (limit, offline, stuck), acknowledged and shelved by operators. Every transition is journalled before it is
/// confirmed and logged once; open alarms are reloaded on start, so they survive a restart.
/// </summary>
public sealed class AlarmActor : ReceiveActor
{
    private readonly AlarmSettings _settings;
    private readonly IAlarmJournal _journal;
    private readonly IAlarmPublisher _publisher;
    private readonly Dictionary<string, AlarmPolicy.Track> _tracks = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public AlarmActor(AlarmSettings settings, IAlarmJournal journal, IAlarmPublisher publisher)
    {
        _settings = settings;
        _journal = journal;
        _publisher = publisher;
        Receive<RecordVerdicts>(HandleVerdicts);
        Receive<HealthEvent>(HandleHealth);
        Receive<AcknowledgeAlarm>(HandleAcknowledge);
        Receive<ShelveAlarm>(HandleShelve);
        Receive<GetOpenAlarms>(_ => Sender.Tell(OpenAlarms()));
        Receive<RepublishAlarms>(_ => _publisher.PublishState(OpenAlarms()));
        Receive<Journalled>(journalled =>
        {
            _publisher.Publish(journalled.Changes);
            journalled.ReplyTo.Tell(journalled.Answer);
        });
    }

    public static Props Props(AlarmSettings settings, IAlarmJournal journal, IAlarmPublisher publisher) =>
        Akka.Actor.Props.Create(() => new AlarmActor(settings, journal, publisher));

    protected override void PreStart()
    {
        foreach (var alarm in _journal.LoadOpenAsync(null, CancellationToken.None).GetAwaiter().GetResult())
        {
            _tracks[alarm.Id] = AlarmPolicy.Track.Start(alarm.SensorId, alarm.Type) with { Alarm = alarm };
        }

        if (_tracks.Count > 0)
        {
            _log.Info("Reloaded {0} open alarm(s)", _tracks.Count);
        }

        Context.System.EventStream.Subscribe(Self, typeof(HealthEvent));
    }

    private void HandleVerdicts(RecordVerdicts record)
    {
        var changes = new List<AlarmChange>();
        foreach (var verdict in record.Verdicts)
        {
            if (verdict.Learning)
            {
                continue; // scored against the model's own calibration, not yet the sensor's: no anomaly alarm
            }

            var hint = verdict.Anomalous ? CauseHint.Describe(verdict.Signals, verdict.PerSignal, verdict.Residual, verdict.Threshold) : null;
            var track = TrackOf(verdict.SensorId, AlarmType.Anomaly);
            Apply(AlarmPolicy.OnScore(track, _settings, verdict.Score, verdict.Threshold, verdict.Threshold * _settings.ClearFraction, hint, verdict.EndTimestampMs), changes);
        }

        Journal(changes, Sender);
    }

    private void HandleHealth(HealthEvent health)
    {
        var type = health.Condition switch
        {
            HealthCondition.Offline => AlarmType.Offline,
            HealthCondition.Stuck => AlarmType.Stuck,
            HealthCondition.Pulsating => AlarmType.Pulsation,
            HealthCondition.OutOfRange => AlarmType.Limit,
            _ => throw new ArgumentOutOfRangeException(nameof(health), health.Condition, "no alarm type for this condition"),
        };
        var message = health.Signal is null ? health.Detail : $"{health.Signal}: {health.Detail}";
        var changes = new List<AlarmChange>();
        Apply(AlarmPolicy.OnCondition(TrackOf(health.SensorId, type), _settings, health.Active, message, health.At.ToUnixTimeMilliseconds()), changes);
        Journal(changes, ActorRefs.Nobody);
    }

    private void HandleAcknowledge(AcknowledgeAlarm acknowledge)
    {
        var id = Alarm.IdOf(acknowledge.SensorId, acknowledge.Type);
        if (!_tracks.TryGetValue(id, out var track) || track.Alarm.State is not (AlarmState.ActiveUnacknowledged or AlarmState.ClearedUnacknowledged))
        {
            var state = track is null ? "it has never been raised" : $"it is {AlarmNames.Of(track.Alarm.State)}";
            Sender.Tell(new AlarmCommandOutcome(false, $"{id} is not waiting for an acknowledgement: {state}", track?.Alarm));
            return;
        }

        var changes = new List<AlarmChange>();
        Apply(AlarmPolicy.Acknowledge(track, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), changes);
        _log.Info("Alarm {0} acknowledged by {1}", id, acknowledge.By);
        Journal(changes, Sender, new AlarmCommandOutcome(true, $"{id} acknowledged by {acknowledge.By}", _tracks[id].Alarm));
    }

    private void HandleShelve(ShelveAlarm shelve)
    {
        var id = Alarm.IdOf(shelve.SensorId, shelve.Type);
        var changes = new List<AlarmChange>();
        Apply(AlarmPolicy.Shelve(TrackOf(shelve.SensorId, shelve.Type), shelve.Duration, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), changes);
        _log.Info("Alarm {0} shelved for {1} by {2}", id, shelve.Duration, shelve.By);
        Journal(changes, Sender, new AlarmCommandOutcome(true, $"{id} shelved for {shelve.Duration.TotalMinutes:0.#} min by {shelve.By}", _tracks[id].Alarm));
    }

    private AlarmPolicy.Track TrackOf(string sensorId, AlarmType type)
    {
        var id = Alarm.Normal(sensorId, type).Id;
        return _tracks.TryGetValue(id, out var track) ? track : _tracks[id] = AlarmPolicy.Track.Start(sensorId, type);
    }

    private void Apply(AlarmPolicy.Outcome outcome, List<AlarmChange> changes)
    {
        _tracks[outcome.Alarm.Id] = outcome.Track;
        foreach (var transition in outcome.Transitions)
        {
            var alarm = outcome.Alarm;
            changes.Add(new AlarmChange(alarm, transition, alarm.LastAt ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            // One structured line per transition, never one per reading; only what needs a person is a warning.
            var level = transition is AlarmTransition.Raised or AlarmTransition.Updated or AlarmTransition.Chattering ? LogLevel.WarningLevel : LogLevel.InfoLevel;
            _log.Log(level, "Alarm {0} {1}: {2}, severity {3}, count {4}; {5}",
                [alarm.Id, AlarmNames.Of(transition), AlarmNames.Of(alarm.State), AlarmNames.Of(alarm.Severity), alarm.Count, $"{alarm.Message} {alarm.CauseHint}".TrimEnd()]);
        }
    }

    /// <summary>Journals the changes, then answers: a verdict batch is acknowledged only after its alarms are stored.</summary>
    private void Journal(List<AlarmChange> changes, IActorRef replyTo, AlarmCommandOutcome? reply = null)
    {
        object answer = reply is null ? new AlarmsRecorded(changes) : reply;
        if (changes.Count == 0)
        {
            replyTo.Tell(answer);
            return;
        }

        // Published only once journalled: SCADA never sees an alarm the node could forget.
        var self = Self;
        _journal.RecordAsync(changes, CancellationToken.None).PipeTo(self, replyTo,
            success: () => new Journalled(changes, replyTo, answer),
            failure: e => new Journalled([], replyTo, new Status.Failure(e)));
    }

    private List<Alarm> OpenAlarms() => _tracks.Values.Select(t => t.Alarm).Where(a => a.State != AlarmState.Normal).ToList();

    private sealed record Journalled(IReadOnlyList<AlarmChange> Changes, IActorRef ReplyTo, object Answer);
}
