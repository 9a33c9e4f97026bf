using Pipeline.Actors.Sensors;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>A fleet starting at once writes a few of its sensors' lines a minute, and then says how many it held back.</summary>
public sealed class FleetLogBudgetSpecs
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_write_the_first_lines_of_a_minute_say_so_in_the_last_and_count_the_rest_in_the_next_line_written()
    {
        var budget = new FleetLogBudget(perMinute: 3);

        var firstMinute = Enumerable.Range(0, 8).Select(i => budget.TryWrite(Start.AddSeconds(i), out var note) ? note : null).ToList();
        var nextMinute = budget.TryWrite(Start.AddSeconds(61), out var afterHolding);

        Assert.Equal(["", "", " (the last of 3 such lines this minute: more are held back and counted; `pipeline sensors list` shows every sensor)", null, null, null, null, null], firstMinute);
        Assert.True(nextMinute);
        Assert.Equal(" (5 such lines about other sensors held back before this one; `pipeline sensors list` shows every sensor)", afterHolding);
        Assert.True(budget.TryWrite(Start.AddSeconds(62), out var then));
        Assert.Equal(string.Empty, then); // said once
    }

    [Fact]
    public void Should_write_no_more_than_its_allowance_when_many_sensors_ask_at_once()
    {
        var budget = new FleetLogBudget();
        var written = 0;

        Parallel.For(0, 10_000, sensor =>
        {
            if (budget.TryWrite(Start, out _))
            {
                Interlocked.Increment(ref written);
            }
        });

        Assert.Equal(FleetLogBudget.DefaultPerMinute, written);
        Assert.True(budget.TryWrite(Start.AddMinutes(1), out var note));
        Assert.Contains($"{10_000 - FleetLogBudget.DefaultPerMinute} such lines about other sensors held back", note, StringComparison.Ordinal);
    }
}
