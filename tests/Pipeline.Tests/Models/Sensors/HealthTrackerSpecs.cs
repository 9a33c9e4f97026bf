using Pipeline.Models.Sensors;
using Pipeline.Models.Simulation;
using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Models.Sensors;

public sealed class HealthTrackerSpecs
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddYears(56);

    private static Reading Sample(long seq, double flow, double pressure = 4.2) =>
        new("s", seq * 1000, seq, new Dictionary<string, double> { ["flow"] = flow, ["pressure"] = pressure });

    private static HealthTracker Tracker() => new("s", new SensorSettings
    {
        StuckCount = 3,
        Limits = new(StringComparer.Ordinal) { ["pressure"] = new SignalBounds(1, 6) },
    });

    [Fact]
    public void Should_report_stuck_once_after_n_identical_values_and_clear_when_it_moves()
    {
        var tracker = Tracker();

        var events = new[] { 1.0, 1.0, 1.0, 1.0, 1.5 }
            .SelectMany((flow, i) => tracker.Observe(Sample(i, flow, pressure: 4 + (i * 0.1)), Now))
            .ToList();

        Assert.Collection(events,
            e => Assert.Equal((HealthCondition.Stuck, "flow", true), (e.Condition, e.Signal, e.Active)),
            e => Assert.Equal((HealthCondition.Stuck, "flow", false), (e.Condition, e.Signal, e.Active)));
    }

    [Fact]
    public void Should_take_a_coarse_signal_for_stuck_only_after_three_times_the_longest_run_it_showed_in_its_first_readings()
    {
        // A meter that reads in whole units: in its first 400 readings it holds one value for 8 readings at a time.
        var tracker = new HealthTracker("s", new SensorSettings { StuckCount = 10 });
        var flows = Enumerable.Range(0, HealthTracker.UsualRunReadings).Select(i => 31.0 + (i / 8 % 2))
            .Concat(Enumerable.Repeat(33.0, 23)) // a run of 23 later: normal for this meter (10 would have raised)
            .Append(34.0)
            .Concat(Enumerable.Repeat(35.0, 30)); // and one of 30: stuck at 3 x 8
        var raised = flows.Select((flow, i) => (Seq: i + 1, Events: tracker.Observe(Sample(i + 1, flow, pressure: 4 + (i * 0.001)), Now)))
            .SelectMany(r => r.Events.Where(e => e.Condition == HealthCondition.Stuck && e.Active).Select(e => (r.Seq, e.Detail)))
            .ToList();

        Assert.Equal([(HealthTracker.UsualRunReadings + 23 + 1 + 24, "flow has read 35 24 times in a row")], raised);
    }

    [Fact]
    public void Should_not_take_a_stuck_episode_in_the_first_readings_for_the_signals_usual_run()
    {
        var tracker = new HealthTracker("s", new SensorSettings { StuckCount = 10 });
        var flows = Enumerable.Range(0, 50).Select(i => 100.0 + i)
            .Concat(Enumerable.Repeat(42.0, 40)) // stuck within its first readings: raised at 10
            .Concat(Enumerable.Range(0, HealthTracker.UsualRunReadings).Select(i => 200.0 + i))
            .Concat(Enumerable.Repeat(43.0, 12)); // stuck again later: raised at 10 again, not at 3 x 40
        var raised = flows.Select((flow, i) => (Seq: i + 1, Events: tracker.Observe(Sample(i + 1, flow, pressure: 4 + (i * 0.001)), Now)))
            .SelectMany(r => r.Events.Where(e => e.Condition == HealthCondition.Stuck && e.Active).Select(e => r.Seq))
            .ToList();

        Assert.Equal([50 + 10, 50 + 40 + HealthTracker.UsualRunReadings + 10], raised);
    }

    [Fact]
    public void Should_report_out_of_range_when_a_limit_is_crossed_and_clear_when_back()
    {
        var tracker = Tracker();

        var events = new[] { 4.0, 7.0, 7.5, 5.0 }
            .SelectMany((pressure, i) => tracker.Observe(Sample(i, flow: i, pressure), Now))
            .ToList();

        Assert.Collection(events,
            e =>
            {
                Assert.Equal((HealthCondition.OutOfRange, "pressure", true), (e.Condition, e.Signal, e.Active));
                Assert.Contains("pressure = 7, outside its limits [1, 6]", e.Detail, StringComparison.Ordinal);
            },
            e => Assert.Equal((HealthCondition.OutOfRange, "pressure", false), (e.Condition, e.Signal, e.Active)));
    }

    [Fact]
    public void Should_report_offline_once_and_clear_with_the_next_reading()
    {
        var tracker = Tracker();

        var offline = tracker.Silent(Now, lastSeen: null);
        var again = tracker.Silent(Now, lastSeen: null);
        var back = tracker.Observe(Sample(1, 1), Now);

        Assert.NotNull(offline);
        Assert.True(offline.Active);
        Assert.Contains("never reported", offline.Detail, StringComparison.Ordinal);
        Assert.Null(again);
        Assert.Equal((HealthCondition.Offline, false), (back.Single().Condition, back.Single().Active));
    }

    [Fact]
    public void Should_carry_conditions_over_a_restart_list_them_in_order_and_clear_each_when_it_is_over()
    {
        var tracker = Tracker();
        tracker.Resume(HealthCondition.Stuck, "pressure");
        tracker.Resume(HealthCondition.Stuck, "flow");
        tracker.Resume(HealthCondition.OutOfRange, "pressure");

        var stuckAtStart = tracker.StuckSignals.ToList();
        var first = tracker.Observe(Sample(1, flow: 1, pressure: 4), Now);   // the first value after a restart shows no change
        var second = tracker.Observe(Sample(2, flow: 2, pressure: 4), Now);  // flow moves; pressure does not

        Assert.Equal(["flow", "pressure"], stuckAtStart);
        Assert.Equal((HealthCondition.OutOfRange, "pressure", false), (first.Single().Condition, first.Single().Signal, first.Single().Active));
        Assert.Equal((HealthCondition.Stuck, "flow", false), (second.Single().Condition, second.Single().Signal, second.Single().Active));
        Assert.Equal(["pressure"], tracker.StuckSignals);
        Assert.Empty(tracker.OutOfRangeSignals);
    }

    /// <summary>A simulated pump's readings as a device sends them, one per second.</summary>
    private static IEnumerable<Reading> Pump(int seed, FaultSpec? fault, bool setPointChanges, int seconds)
    {
        var pump = new PumpSimulator("p", seed, fault is null ? [] : [fault], setPointChanges);
        return Enumerable.Range(1, seconds).Select(t => pump.Step(TimeSpan.FromSeconds(t), TimeSpan.FromSeconds(1))!).Select((s, i) =>
            new Reading("p", i * 1000L, i, new Dictionary<string, double>
            {
                ["flow"] = s.Flow, ["temperature"] = s.Temperature, ["pressure"] = s.Pressure, ["current"] = s.Current,
            }));
    }

    [Fact]
    public void Should_report_a_simulated_cavitation_as_one_pulsation_of_the_sensor_and_its_end()
    {
        var tracker = new HealthTracker("p", new SensorSettings());
        var cavitation = new FaultSpec(FaultKind.Cavitation, "p", TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(300));

        var events = Pump(seed: 3, cavitation, setPointChanges: true, seconds: 1200).SelectMany(r => tracker.Observe(r, Now)).ToList();

        Assert.Collection(events,
            e => Assert.Equal((HealthCondition.Pulsating, true), (e.Condition, e.Active)),
            e => Assert.Equal((HealthCondition.Pulsating, false), (e.Condition, e.Active)));
        Assert.Contains("possible cavitation", events[0].Detail, StringComparison.Ordinal);
        Assert.Empty(tracker.PulsatingSignals);
    }

    [Fact]
    public void Should_not_report_pulsation_for_normal_operation_with_set_point_changes_stops_and_restarts()
    {
        var pulsations = Enumerable.Range(1, 20)
            .SelectMany(seed =>
            {
                var tracker = new HealthTracker("p", new SensorSettings());
                return Pump(seed, fault: null, setPointChanges: true, seconds: 3000).SelectMany(r => tracker.Observe(r, Now));
            })
            .ToList();

        Assert.Empty(pulsations);
    }
}
