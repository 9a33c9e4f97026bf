using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;

namespace Pipeline.Tests.Models.Alarms;

public sealed class SensorAlarmsSpecs
{
    private const string Sensor = "esp32-01";
    private static readonly AlarmSettings Settings = new() { OnDelayAnomalous = 2, OnDelayWindows = 3, ClearWindows = 2 };
    private static readonly string[] Signals = ["flow", "temperature", "pressure", "current"];
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);

    /// <summary>A leak-like verdict (pressure low, flow high) when above the threshold of 1, a calm one below it.</summary>
    private static Verdict Window(long seq, float score, bool learning = false) =>
        new(Sensor, seq - 59, seq, seq * 1000, (seq * 1000) + 59_000, score, [score, 0.01f, score, 0.05f], Signals, 1f, score > 1f, "default@1",
            score > 1 ? [2.5f, 0, -2.1f, 0.3f] : [0, 0, 0, 0], learning);

    /// <summary>Applies the verdicts in order; returns the alarms after and every change.</summary>
    private static (SensorAlarms Alarms, List<AlarmChange> Changes) Judge(SensorAlarms alarms, params Verdict[] verdicts)
    {
        var changes = new List<AlarmChange>();
        foreach (var verdict in verdicts)
        {
            var change = alarms.OnVerdict(verdict);
            changes.AddRange(change.Changes);
            alarms = change.Next;
        }

        return (alarms, changes);
    }

    private static SensorAlarms Fresh() => SensorAlarms.Load(Sensor, Settings, []);

    [Fact]
    public void Should_raise_one_anomaly_alarm_with_its_cause_hint_after_the_on_delay()
    {
        var (alarms, changes) = Judge(Fresh(), Window(60, 2.2f), Window(61, 2.4f), Window(62, 2.6f));

        var raised = Assert.Single(changes);
        Assert.Equal((AlarmTransition.Raised, "esp32-01/anomaly"), (raised.Transition, raised.Alarm.Id));
        Assert.Contains("possible leak", raised.Alarm.CauseHint, StringComparison.Ordinal);
        Assert.True(alarms[AlarmType.Anomaly].IsActive);
    }

    [Fact]
    public void Should_raise_and_clear_after_the_same_on_and_off_delays_however_long_the_sensor_ran_normal_before()
    {
        // A sensor in normal operation keeps its track from window to window (nothing is copied per window); what it
        // counts must still hold after thousands of calm windows, also a window judged again after them.
        var calm = Enumerable.Range(60, 5_000).Select(seq => Window(seq, 0.1f)).ToArray();
        var (normal, none) = Judge(Fresh(), calm);
        var (_, again) = Judge(normal, Window(5_059, 3f), Window(5_059, 3f));
        var (raised, up) = Judge(normal, Window(5_060, 2.2f), Window(5_061, 2.4f));
        var (stillUp, notYet) = Judge(raised, Window(5_062, 0.1f));
        var (_, cleared) = Judge(stillUp, Window(5_063, 0.1f));

        Assert.Empty(none);
        Assert.Empty(again); // already judged: counts once
        Assert.Equal(AlarmTransition.Raised, Assert.Single(up).Transition); // 2 of the last 3
        Assert.Empty(notYet); // 1 of 2 calm windows
        Assert.Equal(AlarmTransition.Cleared, Assert.Single(cleared).Transition);
    }

    [Fact]
    public void Should_raise_nothing_for_learning_windows_and_count_a_redelivered_window_once()
    {
        var (learning, none) = Judge(Fresh(), Window(60, 3f, learning: true), Window(61, 3f, learning: true), Window(62, 3f, learning: true));
        var (_, again) = Judge(learning, Window(63, 3f), Window(63, 3f)); // the same window twice: one of two
        var (_, raised) = Judge(learning, Window(63, 3f), Window(64, 3f));

        Assert.Empty(none);
        Assert.Empty(again);
        Assert.Equal(AlarmTransition.Raised, Assert.Single(raised).Transition);
    }

    [Fact]
    public void Should_pick_up_an_open_alarm_as_journalled_and_clear_it()
    {
        var (raised, _) = Judge(Fresh(), Window(60, 2), Window(61, 2));

        var (_, cleared) = Judge(SensorAlarms.Load(Sensor, Settings, raised.Open.ToList()), Window(62, 0.1f), Window(63, 0.1f));

        Assert.Equal(AlarmTransition.Cleared, Assert.Single(cleared).Transition);
    }

    [Fact]
    public void Should_after_a_restart_change_nothing_for_windows_already_stored_and_remember_the_on_delay()
    {
        // Before the crash: windows 60-62 judged and stored; raised at 61 (2 of the last 3), still active.
        var (before, _) = Judge(Fresh(), Window(60, 2), Window(61, 2), Window(62, 0.1f));
        JudgedWindow[] stored = [new(60, 2, 1, false), new(61, 2, 1, false), new(62, 0.1, 1, false)];
        var restarted = SensorAlarms.Load(Sensor, Settings, before.Open.ToList(), stored);

        var (_, redelivered) = Judge(restarted, Window(61, 2), Window(62, 0.1f)); // judged again: stored, so counted once
        var (_, cleared) = Judge(restarted, Window(63, 0.1f)); // the off-delay remembers window 62 below the clear threshold

        Assert.Empty(redelivered);
        Assert.Equal(AlarmTransition.Cleared, Assert.Single(cleared).Transition);
    }

    [Fact]
    public void Should_after_a_restart_raise_on_the_first_new_window_when_the_stored_ones_filled_the_on_delay()
    {
        JudgedWindow[] stored = [new(60, 0.2, 1, false), new(61, 0.2, 1, true), new(62, 3, 1, false)];
        var restarted = SensorAlarms.Load(Sensor, Settings, [], stored);

        var (alarms, raised) = Judge(restarted, Window(63, 3f));

        Assert.Equal(AlarmTransition.Raised, Assert.Single(raised).Transition);
        Assert.True(alarms[AlarmType.Anomaly].IsActive);
    }

    [Fact]
    public void Should_raise_and_clear_health_alarms_and_name_the_conditions_to_resume_after_a_restart()
    {
        var alarms = Fresh();
        var changes = new List<AlarmChange>();
        foreach (var health in new[]
        {
            new HealthEvent(Sensor, HealthCondition.Offline, null, true, "never reported", At),
            new HealthEvent(Sensor, HealthCondition.OutOfRange, "pressure", true, "pressure = 9", At),
            new HealthEvent(Sensor, HealthCondition.Offline, null, false, "reporting again", At),
        })
        {
            var change = alarms.OnHealth(health);
            changes.AddRange(change.Changes);
            alarms = change.Next;
        }

        Assert.Equal(["offline raised", "limit raised", "offline cleared"], changes.Select(c => $"{AlarmNames.Of(c.Alarm.Type)} {AlarmNames.Of(c.Transition)}"));
        Assert.Equal([(HealthCondition.OutOfRange, (string?)"pressure")], alarms.ActiveConditions());
    }

    [Fact]
    public void Should_acknowledge_a_raised_alarm_and_refuse_one_not_waiting_for_it()
    {
        var (raised, _) = Judge(Fresh(), Window(60, 2), Window(61, 2));

        var acknowledged = raised.Acknowledge(AlarmType.Anomaly, 5);
        var again = acknowledged.Next.Acknowledge(AlarmType.Anomaly, 6);
        var never = raised.Acknowledge(AlarmType.Stuck, 6);

        Assert.Null(acknowledged.Refusal);
        Assert.Equal(AlarmState.ActiveAcknowledged, acknowledged.Next[AlarmType.Anomaly].State);
        Assert.Contains("it is active-acknowledged", again.Refusal, StringComparison.Ordinal);
        Assert.Empty(again.Changes);
        Assert.Equal("esp32-01/stuck is not waiting for an acknowledgement: it has never been raised", never.Refusal);
    }

    [Fact]
    public void Should_keep_a_shelved_alarm_from_raising()
    {
        var shelved = Fresh().Shelve(AlarmType.Anomaly, TimeSpan.FromHours(1), 1000).Next;

        var (_, changes) = Judge(shelved, Window(60, 3), Window(61, 3), Window(62, 3));

        Assert.Empty(changes);
    }
}
