using Pipeline.Models.Evaluation;

namespace Pipeline.Tests.Models.Evaluation;

/// <summary>As SKAB's tsad <c>chp_score</c> (nab, 30 s, righter, cut right window, improved scale) scores them.</summary>
public sealed class ChangepointScoreSpecs
{
    /// <summary>200 rows a second apart with change points labelled at <paramref name="changepoints"/>; the flag is on over <paramref name="flagged"/>.</summary>
    private static Prediction[] File(int[] changepoints, params (int From, int To)[] flagged) =>
        Enumerable.Range(0, 200)
            .Select(r => new Prediction("f.csv", r, r * 1000L, 0, flagged.Any(f => r >= f.From && r < f.To), null, changepoints.Contains(r)))
            .ToArray();

    private static readonly int[] Two = [50, 120];

    [Fact]
    public void Should_score_a_detector_that_flags_nothing_as_zero()
    {
        var scores = ChangepointScore.Score(File(Two))!;

        Assert.All(NabProfile.All, p => Assert.Equal(0, scores[p], 9));
    }

    [Fact]
    public void Should_score_detections_at_both_change_points_as_100()
    {
        // The flag comes on at 50 and goes off at 120: both flips land at their window's start.
        var scores = ChangepointScore.Score(File(Two, (50, 120)))!;

        Assert.All(NabProfile.All, p => Assert.Equal(100, scores[p], 6));
    }

    [Fact]
    public void Should_count_nothing_before_a_change_point_and_reward_an_earlier_detection_more()
    {
        var before = ChangepointScore.Score(File([50], (45, 200)))![NabProfile.Standard];
        var early = ChangepointScore.Score(File([50], (52, 200)))![NabProfile.Standard];
        var late = ChangepointScore.Score(File([50], (75, 200)))![NabProfile.Standard];

        Assert.True(before < 0, $"before {before}"); // a false positive and a missed change point
        Assert.True(early > late, $"early {early}, late {late}");
        Assert.True(late > 0, $"late {late}");
    }

    [Fact]
    public void Should_charge_each_flip_outside_the_windows_as_a_false_positive()
    {
        // Flips at 10 and 20 are false; the window at 50 is hit at its start; the one at 120 is missed.
        var scores = ChangepointScore.Score(File(Two, (10, 20), (50, 200)))!;

        Assert.Equal(100 * ((1 - 0.22 - 1) + 2) / 4, scores[NabProfile.Standard], 6);
        Assert.Equal(100 * ((1 - 0.44 - 1) + 2) / 4, scores[NabProfile.LowFalsePositives], 6);
        Assert.Equal(100 * ((1 - 0.22 - 2) + 4) / 6, scores[NabProfile.LowFalseNegatives], 6);
    }

    [Fact]
    public void Should_start_a_window_where_the_one_before_it_ends()
    {
        // Change points at 50 and 60: the second window runs from 80 (where the first ends) to 90; the flag going off
        // at 80 is its detection, at its start.
        var scores = ChangepointScore.Score(File([50, 60], (50, 80)))!;

        Assert.Equal(100, scores[NabProfile.Standard], 6);
    }

    [Fact]
    public void Should_say_nothing_when_no_file_labels_change_points()
    {
        var unlabelled = File(Two, (50, 120)).Select(p => p with { Changepoint = null });

        Assert.Null(ChangepointScore.Score(unlabelled));
    }
}
