using Pipeline.Models.Sensors;

namespace Pipeline.Tests.Models.Sensors;

/// <summary>Which older readings a sensor took before (duplicates) and which fell in a hole it went across (out of order).</summary>
public sealed class TakenSequencesSpecs
{
    [Fact]
    public void Should_know_every_sequence_taken_and_none_in_the_holes_between()
    {
        var taken = new TakenSequences();
        foreach (var seq in new long[] { 1, 2, 3, 5, 6, 9 })
        {
            taken.Add(seq);
        }

        Assert.Equal([1L, 2, 3, 5, 6, 9], Enumerable.Range(0, 12).Select(i => (long)i).Where(taken.Contains));
    }

    [Fact]
    public void Should_forget_what_was_taken_before_the_counter_went_back()
    {
        var taken = new TakenSequences();
        taken.Add(100);
        taken.Add(101);

        taken.Add(1); // the device restarted its counter

        Assert.True(taken.Contains(1));
        Assert.False(taken.Contains(100));
    }

    [Fact]
    public void Should_keep_only_the_newest_runs()
    {
        var taken = new TakenSequences();
        for (var run = 0; run < TakenSequences.MaxRuns + 1; run++)
        {
            taken.Add(run * 10);
        }

        Assert.False(taken.Contains(0));
        Assert.True(taken.Contains(10));
        Assert.True(taken.Contains(TakenSequences.MaxRuns * 10));
    }

    [Fact]
    public void Should_count_everything_judged_before_a_restart_as_taken_and_go_on_from_there()
    {
        var taken = new TakenSequences();

        taken.Through(500);
        taken.Add(501);
        taken.Add(503);

        Assert.True(taken.Contains(3));
        Assert.True(taken.Contains(501));
        Assert.False(taken.Contains(502));
    }
}
