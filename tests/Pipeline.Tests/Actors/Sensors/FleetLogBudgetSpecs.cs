using Pipeline.Actors.Sensors;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>A fleet starting at once writes a few of its sensors' lines a minute, and then says how many it held back.</summary>
public sealed class FleetLogBudgetSpecs
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_write_the_first_lines_of_a_minute_hold_back_the_rest_and_count_them_in_the_next_line_written()
    {
        var budget = new FleetLogBudget(perMinute: 3);

        var firstMinute = Enumerable.Range(0, 8).Select(i => budget.TryWrite(Start.AddSeconds(i), out var held) ? held : -1).ToList();
        var nextMinute = budget.TryWrite(Start.AddSeconds(61), out var heldBefore);

        Assert.Equal([0, 0, 0, -1, -1, -1, -1, -1], firstMinute);
        Assert.True(nextMinute);
        Assert.Equal(5, heldBefore);
        Assert.True(budget.TryWrite(Start.AddSeconds(62), out var none));
        Assert.Equal(0, none); // said once
        Assert.Contains("5 such lines about other sensors held back before this one", FleetLogBudget.HeldBack(5), StringComparison.Ordinal);
        Assert.Equal(string.Empty, FleetLogBudget.HeldBack(0));
    }

    [Fact]
    public void Should_write_no_more_than_its_allowance_when_many_sensors_ask_at_once()
    {
        var budget = new FleetLogBudget();
        var written = 0;

        Parallel.For(0, 10_000, _ =>
        {
            if (budget.TryWrite(Start, out _))
            {
                Interlocked.Increment(ref written);
            }
        });

        Assert.Equal(FleetLogBudget.DefaultPerMinute, written);
        Assert.True(budget.TryWrite(Start.AddMinutes(1), out var held));
        Assert.Equal(10_000 - FleetLogBudget.DefaultPerMinute, held);
    }
}
