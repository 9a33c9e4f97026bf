using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;

namespace Pipeline.Tests.Models.Alarms;

public sealed class AlarmPolicySpecs
{
    private const double Threshold = 1.0;
    private const double Clear = 0.75;
    private static readonly AlarmSettings Settings = new() { OnDelayAnomalous = 3, OnDelayWindows = 5, ClearWindows = 4 };

    /// <summary>Feeds scores one window a second apart; returns the final outcome and every transition in order.</summary>
    private static (AlarmPolicy.Outcome Last, List<AlarmTransition> Transitions) Feed(AlarmPolicy.Track track, params double[] scores)
    {
        var transitions = new List<AlarmTransition>();
        AlarmPolicy.Outcome outcome = new(track, []);
        var t = 0L;
        foreach (var score in scores)
        {
            outcome = AlarmPolicy.OnScore(outcome.Track, Settings, score, Threshold, Clear, "hint: x", t += 1000);
            transitions.AddRange(outcome.Transitions);
        }

        return (outcome, transitions);
    }

    private static AlarmPolicy.Track Fresh() => AlarmPolicy.Track.Start("esp32-01", AlarmType.Anomaly);

    [Fact]
    public void Should_not_raise_on_isolated_anomalous_windows()
    {
        var (last, transitions) = Feed(Fresh(), 1.5, 0.2, 1.5, 0.2, 0.2, 1.5, 0.2);

        Assert.Empty(transitions);
        Assert.Equal(AlarmState.Normal, last.Alarm.State);
    }

    [Fact]
    public void Should_raise_once_when_k_of_the_last_n_windows_are_anomalous_and_count_the_repeats()
    {
        var (last, transitions) = Feed(Fresh(), 1.5, 0.2, 1.6, 1.7, 1.9, 1.4);

        Assert.Equal([AlarmTransition.Raised], transitions);
        Assert.Equal(AlarmState.ActiveUnacknowledged, last.Alarm.State);
        Assert.Equal(3, last.Alarm.Count); // raised at the 4th window, repeated twice: one alarm, not three
        Assert.Equal(1.9, last.Alarm.PeakScore);
        Assert.Equal("hint: x", last.Alarm.CauseHint);
    }

    [Fact]
    public void Should_count_the_on_delay_after_a_long_normal_stretch_and_leave_earlier_states_as_they_were()
    {
        var normal = Feed(Fresh(), 0.2, 0.3, 0.2, 0.1, 0.2, 0.3, 0.2, 0.2).Last; // the history full of normal windows
        var kept = normal.Track.Recent.ToArray();

        var (last, transitions) = Feed(normal.Track, 0.2, 1.5, 0.2, 1.6, 1.7);

        Assert.Equal([AlarmTransition.Raised], transitions); // 3 of the last 5, at the last window
        Assert.Equal(AlarmState.ActiveUnacknowledged, last.Alarm.State);
        Assert.Equal(kept, normal.Track.Recent); // a state already handed out never changes under its holder
        Assert.Equal([false, false, false, false, false], kept);
    }

    [Fact]
    public void Should_clear_only_after_m_windows_below_the_lower_clear_threshold()
    {
        var (raised, _) = Feed(Fresh(), 1.5, 1.5, 1.5);

        // Between clear and threshold (0.8): no clearing; a single low window then a high one: no clearing either.
        var (stillActive, none) = Feed(raised.Track, 0.8, 0.8, 0.5, 0.5, 0.5, 1.2, 0.5);
        var (cleared, transitions) = Feed(stillActive.Track, 0.5, 0.5, 0.5);

        Assert.Empty(none);
        Assert.Equal(AlarmState.ActiveUnacknowledged, stillActive.Alarm.State);
        Assert.Equal([AlarmTransition.Cleared], transitions);
        Assert.Equal(AlarmState.ClearedUnacknowledged, cleared.Alarm.State);
    }

    [Fact]
    public void Should_take_severity_from_how_far_the_score_exceeds_the_threshold_and_raise_it_while_active()
    {
        var (low, _) = Feed(Fresh(), 1.2, 1.2, 1.2);
        var (high, transitions) = Feed(low.Track, 4.5);

        Assert.Equal(AlarmSeverity.Low, low.Alarm.Severity);
        Assert.Equal(AlarmSeverity.High, high.Alarm.Severity);
        Assert.Equal([AlarmTransition.Updated], transitions);
    }

    [Fact]
    public void Should_follow_isa_18_2_through_acknowledgement()
    {
        var (raised, _) = Feed(Fresh(), 2, 2, 2);

        var acked = AlarmPolicy.Acknowledge(raised.Track, 10_000);
        var (closed, clearing) = Feed(acked.Track, 0.1, 0.1, 0.1, 0.1);
        var ackAgain = AlarmPolicy.Acknowledge(closed.Track, 20_000);

        Assert.Equal(AlarmState.ActiveAcknowledged, acked.Alarm.State);
        Assert.Equal([AlarmTransition.Acknowledged], acked.Transitions);
        Assert.Equal([AlarmTransition.Cleared, AlarmTransition.Closed], clearing);
        Assert.Equal(AlarmState.Normal, closed.Alarm.State);
        Assert.Empty(ackAgain.Transitions);
    }

    [Fact]
    public void Should_close_a_cleared_alarm_when_it_is_acknowledged()
    {
        var (raised, _) = Feed(Fresh(), 2, 2, 2);
        var (cleared, _) = Feed(raised.Track, 0.1, 0.1, 0.1, 0.1);

        var acked = AlarmPolicy.Acknowledge(cleared.Track, 30_000);

        Assert.Equal([AlarmTransition.Acknowledged, AlarmTransition.Closed], acked.Transitions);
        Assert.Equal(AlarmState.Normal, acked.Alarm.State);
    }

    [Fact]
    public void Should_not_raise_while_shelved_and_raise_again_after_the_shelf_expires()
    {
        var shelved = AlarmPolicy.Shelve(Fresh(), TimeSpan.FromSeconds(5), nowMs: 0);

        var (during, quiet) = Feed(shelved.Track, 2, 2, 2, 2); // t = 1..4 s
        var (after, raised) = Feed(during.Track, 2, 2);          // t = 1..2 s again on a fresh clock: still shelved
        var late = AlarmPolicy.OnScore(after.Track, Settings, 2, Threshold, Clear, null, nowMs: 6_000);

        Assert.Equal([AlarmTransition.Shelved], shelved.Transitions);
        Assert.Empty(quiet);
        Assert.Empty(raised);
        Assert.Equal([AlarmTransition.Raised], late.Transitions);
    }

    [Fact]
    public void Should_report_chattering_at_three_raise_clear_cycles_within_a_minute()
    {
        var settings = new AlarmSettings { OnDelayAnomalous = 1, OnDelayWindows = 1, ClearWindows = 1 };
        var track = Fresh();
        var transitions = new List<AlarmTransition>();
        var t = 0L;
        for (var cycle = 0; cycle < 3; cycle++)
        {
            foreach (var score in new[] { 2.0, 0.1 })
            {
                var outcome = AlarmPolicy.OnScore(track, settings, score, Threshold, Clear, null, t += 5_000);
                track = outcome.Track;
                transitions.AddRange(outcome.Transitions);
            }
        }

        Assert.Equal(1, transitions.Count(x => x == AlarmTransition.Chattering));
        Assert.Equal(3, transitions.Count(x => x == AlarmTransition.Raised));
        Assert.Equal(AlarmTransition.Chattering, transitions[^2]); // with the third raise
    }

    [Fact]
    public void Should_raise_and_clear_a_condition_alarm_as_the_sensor_reports_it()
    {
        var track = AlarmPolicy.Track.Start("esp32-01", AlarmType.Offline);

        var raised = AlarmPolicy.OnCondition(track, Settings, active: true, "never reported", 1_000);
        var repeat = AlarmPolicy.OnCondition(raised.Track, Settings, active: true, "still", 2_000);
        var cleared = AlarmPolicy.OnCondition(repeat.Track, Settings, active: false, "reporting again", 3_000);

        Assert.Equal([AlarmTransition.Raised], raised.Transitions);
        Assert.Empty(repeat.Transitions);
        Assert.Equal([AlarmTransition.Cleared], cleared.Transitions);
        Assert.Equal("esp32-01/offline", cleared.Alarm.Id);
    }

    private static readonly LevelShift FlowFell = new("flow", -7.5f);

    /// <summary>Scores one window a second apart, with a level shift at the windows whose index is in <paramref name="shiftsAt"/>.</summary>
    private static (AlarmPolicy.Outcome Last, List<AlarmTransition> Transitions) FeedShifts(AlarmSettings settings, AlarmPolicy.Track track, double[] scores, params int[] shiftsAt)
    {
        var transitions = new List<AlarmTransition>();
        AlarmPolicy.Outcome outcome = new(track, []);
        for (var i = 0; i < scores.Length; i++)
        {
            outcome = AlarmPolicy.OnScore(outcome.Track, settings, scores[i], Threshold, Clear, "hint: x", (i + 1) * 1000L, shiftsAt.Contains(i) ? FlowFell : null);
            transitions.AddRange(outcome.Transitions);
        }

        return (outcome, transitions);
    }

    private static readonly AlarmSettings ShiftSettings = new() { OnDelayAnomalous = 3, OnDelayWindows = 3, ClearWindows = 4, ShiftConfirmWindows = 5 };

    [Fact]
    public void Should_raise_at_a_level_shift_at_once_and_hand_the_alarm_to_the_model_when_its_on_delay_is_met()
    {
        var (raised, atShift) = FeedShifts(ShiftSettings, Fresh(), [0.2], shiftsAt: 0);
        var (confirmed, meanwhile) = FeedShifts(ShiftSettings, raised.Track, [0.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]); // 7 windows > 5: confirmed at the 4th
        var (cleared, after) = FeedShifts(ShiftSettings, confirmed.Track, [0.5, 0.5, 0.5, 0.5]);

        Assert.Equal([AlarmTransition.Raised], atShift);
        Assert.Equal(AlarmState.ActiveUnacknowledged, raised.Alarm.State);
        Assert.Equal("flow fell 7.5 x its usual change within 10 readings", raised.Alarm.CauseHint);
        Assert.Contains("level shift", raised.Alarm.Message, StringComparison.Ordinal);
        Assert.Empty(meanwhile);
        Assert.Equal(AlarmState.ActiveUnacknowledged, confirmed.Alarm.State);
        Assert.Equal([AlarmTransition.Cleared], after); // by the model's off-delay, once confirmed
    }

    [Fact]
    public void Should_clear_a_level_shift_the_model_does_not_confirm_in_time_and_keep_counting_its_on_delay()
    {
        var (raised, _) = FeedShifts(ShiftSettings, Fresh(), [0.2], shiftsAt: 0);
        var (waiting, none) = FeedShifts(ShiftSettings, raised.Track, [0.2, 0.2, 0.2, 1.5]);
        var (unconfirmed, cleared) = FeedShifts(ShiftSettings, waiting.Track, [1.5]); // the 5th window after the shift
        var (model, raisedAgain) = FeedShifts(ShiftSettings, unconfirmed.Track, [1.5]);

        Assert.Empty(none);
        Assert.Equal([AlarmTransition.Cleared], cleared);
        Assert.Contains("not confirmed by the model within 5 windows", unconfirmed.Alarm.Message, StringComparison.Ordinal);
        Assert.Equal([AlarmTransition.Raised], raisedAgain); // the model's own on-delay went on counting: 3 of 3 now
        Assert.Equal(AlarmState.ActiveUnacknowledged, model.Alarm.State);
    }

    [Fact]
    public void Should_not_raise_at_a_level_shift_while_the_watch_still_sees_the_last_alarm()
    {
        var quietAfter = LevelShiftWatch.RecentRows + LevelShiftWatch.BaselineRows;
        var (cleared, _) = FeedShifts(ShiftSettings, Fresh(), [1.5, 1.5, 1.5, 0.5, 0.5, 0.5, 0.5]);
        var soon = Enumerable.Repeat(0.2, quietAfter - 1).ToArray();
        var (tooSoon, none) = FeedShifts(ShiftSettings, cleared.Track, soon, shiftsAt: quietAfter - 2);
        var (later, raised) = FeedShifts(ShiftSettings, tooSoon.Track, [0.2], shiftsAt: 0);

        Assert.Equal(AlarmState.ClearedUnacknowledged, cleared.Alarm.State);
        Assert.Empty(none);
        Assert.Equal([AlarmTransition.Raised], raised);
        Assert.True(later.Alarm.IsActive);
    }

    [Fact]
    public void Should_ignore_level_shifts_when_the_fast_path_is_off()
    {
        var off = new AlarmSettings { OnDelayAnomalous = 3, OnDelayWindows = 3, ShiftConfirmWindows = 0 };

        var (last, transitions) = FeedShifts(off, Fresh(), [0.2, 0.2], shiftsAt: 0);

        Assert.Empty(transitions);
        Assert.False(last.Alarm.IsActive);
        Assert.Empty(off.Problems("Pipeline:Alarms"));
        Assert.Contains(new AlarmSettings { ShiftConfirmWindows = -1 }.Problems("Pipeline:Alarms"), p => p.Contains("ShiftConfirmWindows", StringComparison.Ordinal));
    }
}
