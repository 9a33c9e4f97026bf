using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Models.Sensors;

/// <summary>A sensor whose window does not fill — its readings lack a signal its model needs, or come with gaps — through the intake as the sensor actor feeds it.</summary>
public sealed class IncompleteReadingsSpecs
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddYears(56);
    private static readonly WindowSpec Spec = new(5, ["flow", "pressure"]);

    private static Reading Sample(long seq, bool withPressure = true) =>
        new("s", Now.AddSeconds(seq).ToUnixTimeMilliseconds(), seq, withPressure
            ? new Dictionary<string, double> { ["flow"] = 100 + seq, ["pressure"] = 4 + (seq / 100.0) }
            : new Dictionary<string, double> { ["flow"] = 100 + seq });

    private static SensorIntake Intake() => new("s", new SensorSettings(), Spec);

    /// <summary>The incomplete-readings transitions the readings cause, with the reading (its sequence) that caused each.</summary>
    private static List<(long Seq, HealthEvent Event)> Feed(SensorIntake intake, IEnumerable<Reading> readings)
    {
        var events = new List<(long, HealthEvent)>();
        foreach (var reading in readings)
        {
            intake.Offer(reading, Now);
            while (intake.Next(Now) is { } outcome)
            {
                events.AddRange(outcome.Health.Where(h => h.Condition == HealthCondition.Incomplete).Select(h => (outcome.Reading.Sequence, h)));
            }
        }

        return events;
    }

    [Fact]
    public void Should_raise_once_after_ten_readings_without_a_needed_signal_and_clear_with_the_next_full_window()
    {
        var intake = Intake();

        // A probe unplugged at 11 and back at 31: the readings of 11-30 carry no pressure.
        var events = Feed(intake, Enumerable.Range(1, 40).Select(i => Sample(i, withPressure: i is < 11 or > 30)));

        Assert.Collection(events,
            e =>
            {
                Assert.Equal((20L, "pressure", true), (e.Seq, e.Event.Signal, e.Event.Active));
                Assert.Equal("readings lack it: its window restarted 10 times since it was last full; the model does not judge this sensor until 5 readings in a row come without a gap, each with every signal it needs (flow, pressure)", e.Event.Detail);
            },
            e => Assert.Equal((35L, false), (e.Seq, e.Event.Active))); // 31-35: the window full again
        Assert.Equal("ok", intake.HealthSummary());
    }

    [Fact]
    public void Should_say_in_the_sensors_health_that_it_is_not_judged_while_it_stands()
    {
        var intake = Intake();

        Feed(intake, Enumerable.Range(1, 15).Select(i => Sample(i, withPressure: i < 3)));

        Assert.Equal("not judged: readings lack pressure", intake.HealthSummary());
    }

    [Fact]
    public void Should_raise_for_a_device_that_sends_less_often_than_its_sampling_period_says_every_reading_a_gap()
    {
        var intake = Intake(); // sampling period 1 s, gap after 3
        var everyFiveSeconds = Enumerable.Range(1, 12).Select(i => Sample(i) with { TimestampMs = Now.AddSeconds(5 * i).ToUnixTimeMilliseconds() });

        var events = Feed(intake, everyFiveSeconds);

        var raised = Assert.Single(events);
        Assert.Equal((11L, null, true), (raised.Seq, raised.Event.Signal, raised.Event.Active)); // the first is no gap
        Assert.StartsWith("5000 ms since the last reading (more than 3 x 1000 ms): its window restarted 10 times since it was last full", raised.Event.Detail, StringComparison.Ordinal);
        Assert.Equal("not judged: 5000 ms since the last reading (more than 3 x 1000 ms)", intake.HealthSummary());
    }

    [Fact]
    public void Should_raise_nothing_for_a_reading_now_and_then_without_a_signal()
    {
        var intake = Intake();

        // A glitch every 8th reading: the window restarts each time but fills between them.
        var events = Feed(intake, Enumerable.Range(1, 400).Select(i => Sample(i, withPressure: i % 8 != 0)));

        Assert.Empty(events);
        Assert.Equal(50, intake.Incomplete);
    }

    [Fact]
    public void Should_raise_for_a_signal_missing_from_every_other_reading_which_keeps_the_window_from_filling()
    {
        var intake = Intake();

        var events = Feed(intake, Enumerable.Range(1, 100).Select(i => Sample(i, withPressure: i % 2 == 1)));

        Assert.Equal([(20L, true)], events.Select(e => (e.Seq, e.Event.Active)));
    }

    [Fact]
    public void Should_clear_a_condition_that_stood_before_a_restart_with_the_first_full_window_and_not_with_the_readings_taken_again()
    {
        var intake = Intake();
        intake.Resume(HealthCondition.Incomplete, "pressure");

        intake.Refill(Enumerable.Range(1, 10).Select(i => Sample(i)), Now); // judged before the restart: no transition
        Assert.Equal("not judged: readings lack pressure", intake.HealthSummary());
        var events = Feed(intake, [Sample(11)]);

        Assert.Equal([(11L, false)], events.Select(e => (e.Seq, e.Event.Active)));
    }
}
