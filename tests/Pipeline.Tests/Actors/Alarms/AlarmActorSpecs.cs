using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using Pipeline.Actors.Alarms;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Alarms;

public sealed class AlarmActorSpecs : TestKit, IDisposable
{
    private static readonly AlarmSettings Settings = new() { OnDelayAnomalous = 2, OnDelayWindows = 3, ClearWindows = 2 };
    private static readonly string[] Signals = ["flow", "temperature", "pressure", "current"];

    private readonly TempDirectory _temp = new();
    private readonly RecordingPublisher _published = new();
    private readonly PipelineStore _store;
    private long _seq;

    public AlarmActorSpecs() => _store = PipelineStore.Open(new StoreOptions { Path = _temp.Combine("node.db") });

    /// <summary>A leak-like verdict (pressure low, flow high) or a calm one.</summary>
    private Verdict Verdict(string sensor, float score)
    {
        _seq++;
        return new Verdict(sensor, _seq - 59, _seq, _seq * 1000, (_seq * 1000) + 59_000, score, [score, 0.01f, score, 0.05f], Signals, 1f,
            score > 1f, "default@test", score > 1 ? [2.5f, 0, -2.1f, 0.3f] : [0, 0, 0, 0]);
    }

    private AlarmsRecorded Record(IActorRef alarms, params Verdict[] verdicts)
    {
        alarms.Tell(new RecordVerdicts(verdicts), TestActor);
        return ExpectMsg<AlarmsRecorded>();
    }

    private List<string> Journal()
    {
        using var reader = new SqliteConnection($"Data Source={_store.Description};Mode=ReadOnly;Pooling=False");
        reader.Open();
        using var rows = new SqliteCommand("SELECT alarm_id || ' ' || transition FROM alarm_events ORDER BY id", reader).ExecuteReader();
        var events = new List<string>();
        while (rows.Read())
        {
            events.Add(rows.GetString(0));
        }

        return events;
    }

    [Fact]
    public void Should_raise_one_anomaly_alarm_with_its_cause_hint_after_the_on_delay_and_journal_it_before_answering()
    {
        var alarms = Sys.ActorOf(AlarmActor.Props(Settings, _store.Alarms, _published));

        var first = Record(alarms, Verdict("esp32-01", 2.2f));
        var second = Record(alarms, Verdict("esp32-01", 2.4f), Verdict("esp32-01", 2.6f));

        Assert.Empty(first.Changes);
        var raised = Assert.Single(second.Changes);
        Assert.Equal(AlarmTransition.Raised, raised.Transition);
        Assert.Equal("esp32-01/anomaly", raised.Alarm.Id);
        Assert.Contains("possible leak", raised.Alarm.CauseHint, StringComparison.Ordinal);
        Assert.Equal(["esp32-01/anomaly raised"], Journal()); // stored before the answer came
        Assert.Equal([AlarmTransition.Raised], _published.Changes.Select(c => c.Transition)); // and published once stored
    }

    [Fact]
    public void Should_raise_no_anomaly_alarm_for_a_sensor_still_learning()
    {
        var alarms = Sys.ActorOf(AlarmActor.Props(Settings, _store.Alarms, _published));

        var learning = Record(alarms, [.. Enumerable.Range(0, 5).Select(_ => Verdict("esp32-02", 3f) with { Learning = true })]);
        var learned = Record(alarms, Verdict("esp32-02", 3f), Verdict("esp32-02", 3f));

        Assert.Empty(learning.Changes);
        Assert.Equal(AlarmTransition.Raised, Assert.Single(learned.Changes).Transition);
    }

    [Fact]
    public void Should_survive_a_restart_and_clear_the_reloaded_alarm()
    {
        var alarms = Sys.ActorOf(AlarmActor.Props(Settings, _store.Alarms, _published));
        Record(alarms, Verdict("esp32-01", 2), Verdict("esp32-01", 2));
        Watch(alarms);
        Sys.Stop(alarms);
        ExpectTerminated(alarms);

        var restarted = Sys.ActorOf(AlarmActor.Props(Settings, _store.Alarms, _published));
        restarted.Tell(new GetOpenAlarms());
        var open = ExpectMsg<List<Alarm>>();
        var cleared = Record(restarted, Verdict("esp32-01", 0.1f), Verdict("esp32-01", 0.1f));

        Assert.Equal(AlarmState.ActiveUnacknowledged, Assert.Single(open).State);
        Assert.Equal(AlarmTransition.Cleared, Assert.Single(cleared.Changes).Transition);
        Assert.Equal(["esp32-01/anomaly raised", "esp32-01/anomaly cleared"], Journal());
    }

    [Fact]
    public void Should_raise_and_clear_health_alarms_from_the_sensors_events()
    {
        var alarms = Sys.ActorOf(AlarmActor.Props(Settings, _store.Alarms, _published));
        alarms.Tell(new GetOpenAlarms());
        ExpectMsg<List<Alarm>>(); // subscribed by now

        Sys.EventStream.Publish(new HealthEvent("esp32-02", HealthCondition.Offline, null, true, "never reported", DateTimeOffset.UtcNow));
        Sys.EventStream.Publish(new HealthEvent("esp32-02", HealthCondition.OutOfRange, "pressure", true, "pressure = 9", DateTimeOffset.UtcNow));
        Sys.EventStream.Publish(new HealthEvent("esp32-02", HealthCondition.Offline, null, false, "reporting again", DateTimeOffset.UtcNow));

        AwaitCondition(() => Journal().Count == 3);
        Assert.Equal(["esp32-02/offline raised", "esp32-02/limit raised", "esp32-02/offline cleared"], Journal());
    }

    [Fact]
    public void Should_acknowledge_an_alarm_and_refuse_an_unknown_one()
    {
        var alarms = Sys.ActorOf(AlarmActor.Props(Settings, _store.Alarms, _published));
        Record(alarms, Verdict("esp32-01", 2), Verdict("esp32-01", 2));

        alarms.Tell(new AcknowledgeAlarm("esp32-01", AlarmType.Anomaly, "operator"));
        var acked = ExpectMsg<AlarmCommandOutcome>();
        alarms.Tell(new AcknowledgeAlarm("esp32-01", AlarmType.Anomaly, "operator"));
        var again = ExpectMsg<AlarmCommandOutcome>();
        alarms.Tell(new AcknowledgeAlarm("esp32-09", AlarmType.Anomaly, "operator"));
        var refused = ExpectMsg<AlarmCommandOutcome>();

        Assert.True(acked.Done);
        Assert.Equal(AlarmState.ActiveAcknowledged, acked.Alarm!.State);
        Assert.False(again.Done);
        Assert.Contains("it is active-acknowledged", again.Detail, StringComparison.Ordinal);
        Assert.False(refused.Done);
        Assert.Contains("esp32-09/anomaly is not waiting for an acknowledgement: it has never been raised", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_a_shelved_alarm_from_raising()
    {
        var alarms = Sys.ActorOf(AlarmActor.Props(Settings, _store.Alarms, _published));
        alarms.Tell(new ShelveAlarm("esp32-03", AlarmType.Anomaly, TimeSpan.FromHours(1), "operator"));
        Assert.True(ExpectMsg<AlarmCommandOutcome>().Done);

        var recorded = Record(alarms, Verdict("esp32-03", 3), Verdict("esp32-03", 3), Verdict("esp32-03", 3));

        Assert.Empty(recorded.Changes);
    }

    /// <summary>Keeps what would have gone to SCADA.</summary>
    private sealed class RecordingPublisher : IAlarmPublisher
    {
        public List<AlarmChange> Changes { get; } = [];

        public void Publish(IReadOnlyList<AlarmChange> changes) => Changes.AddRange(changes);

        public void PublishState(IReadOnlyList<Alarm> open)
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _store.Dispose();
            _temp.Dispose();
        }
    }
}
