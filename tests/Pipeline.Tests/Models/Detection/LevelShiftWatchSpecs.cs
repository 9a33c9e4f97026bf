using Pipeline.Models.Detection;

namespace Pipeline.Tests.Models.Detection;

public sealed class LevelShiftWatchSpecs
{
    private static readonly string[] Signals = ["flow", "temperature"];

    /// <summary>Rows of a steady flow (noise of spread <paramref name="noise"/> around 30) and a temperature that climbs.</summary>
    private static List<float[]> Steady(int count, double noise = 0.5, int seed = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(t => new[] { (float)(30 + (noise * Gaussian(random))), (float)(20 + (0.01 * t)) })];
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Observes the rows as a detector does (examine the newest, then observe it); the index and shift of each row that completed one.</summary>
    private static List<(int Row, LevelShift Shift)> Watch(LevelShiftWatch watch, LevelBaseline baseline, List<float[]> rows)
    {
        var shifts = new List<(int, LevelShift)>();
        for (var row = 0; row < rows.Count; row++)
        {
            if (watch.Examine(rows[row], baseline, Signals) is { } shift)
            {
                shifts.Add((row, shift));
            }

            watch.Observe(rows[row]);
        }

        return shifts;
    }

    [Fact]
    public void Should_measure_how_far_the_recent_mean_normally_moves_from_the_one_before_and_leave_drifting_signals_unwatched()
    {
        var baseline = LevelBaseline.Fit(Steady(4000), [true, false])!;

        // White noise of spread 0.5: the difference of a 10-reading and a 60-reading mean spreads 0.5 x sqrt(1/10 + 1/60).
        Assert.Equal(0.5 * Math.Sqrt((1.0 / 10) + (1.0 / 60)), baseline.Spread[0], 0.02);
        Assert.Equal(30, baseline.Level[0], 0.05);
        Assert.Equal(0, baseline.Spread[1]);
        Assert.Null(LevelBaseline.Fit(Steady(LevelShiftWatch.RecentRows + LevelShiftWatch.BaselineRows), [true, false]));
    }

    [Fact]
    public void Should_see_a_steady_signal_step_away_from_its_level_within_the_recent_readings()
    {
        var learned = Steady(400);
        var baseline = LevelBaseline.Fit(learned, [true, false])!;
        var rows = Steady(300, seed: 2);
        foreach (var row in rows.Skip(200))
        {
            row[0] -= 2.5f; // 5 x the noise: the valve closes
        }

        var shifts = Watch(new LevelShiftWatch(2), baseline, rows);

        Assert.NotEmpty(shifts);
        Assert.All(shifts, s => Assert.InRange(s.Row, 200, 200 + LevelShiftWatch.RecentRows + LevelShiftWatch.BaselineRows));
        var (first, shift) = shifts[0];
        Assert.InRange(first, 200, 200 + LevelShiftWatch.RecentRows - 1);
        Assert.Equal("flow", shift.Signal);
        Assert.True(shift.Size < -LevelShiftWatch.Factor);
    }

    [Fact]
    public void Should_not_call_a_return_towards_the_level_a_shift_nor_judge_before_it_has_seen_enough()
    {
        var baseline = LevelBaseline.Fit(Steady(400), [true, false])!;
        var rows = Steady(300, seed: 3);
        foreach (var row in rows.Take(150))
        {
            row[0] -= 2.5f; // below its level from the start (say, the valve was closed): then it opens
        }

        var shifts = Watch(new LevelShiftWatch(2), baseline, rows);
        var early = new LevelShiftWatch(2);
        foreach (var row in rows.Take(LevelShiftWatch.RecentRows + LevelShiftWatch.BaselineRows - 2))
        {
            early.Observe(row);
        }

        Assert.Empty(shifts);
        Assert.Null(early.Examine([0f, 20f], baseline, Signals)); // one row short: no reference yet, whatever comes
    }

    [Fact]
    public void Should_describe_a_shift_by_its_signal_direction_and_size()
    {
        Assert.Equal("pressure rose 8.2 x its usual change within 10 readings", new LevelShift("pressure", 8.24f).Describe());
    }
}
