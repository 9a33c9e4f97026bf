using Pipeline.Models.Sensors;
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
}
