using Pipeline.Models.Evaluation;

namespace Pipeline.Tests.Models.Evaluation;

public sealed class ChangepointScoreSpecs
{
    /// <summary>200 scored rows with change points labelled at 50 and 120; the detector's flag is on over <paramref name="flagged"/>.</summary>
    private static Prediction[] File(params (int From, int To)[] flagged) =>
        Enumerable.Range(0, 200)
            .Select(r => new Prediction("f.csv", r, 0, flagged.Any(f => r >= f.From && r < f.To), null, r is 50 or 120))
            .ToArray();

    [Fact]
    public void Should_score_a_detector_that_flags_nothing_as_zero()
    {
        var scores = ChangepointScore.Score(File())!;

        Assert.All(NabProfile.All, p => Assert.Equal(0, scores[p], 9));
    }

    [Fact]
    public void Should_score_detections_at_both_change_points_close_to_100()
    {
        var scores = ChangepointScore.Score(File((50, 120)))!;

        // Each detection is at its window's first row: sigmoid(5 x -29/30) of the way from the FP weight to the reward.
        var perWindow = (1.11 / (1 + Math.Exp(5 * (-29.0 / 30)))) - 0.11;
        Assert.Equal(100 * (perWindow + 1) / 2, scores[NabProfile.Standard], 6);
    }

    [Fact]
    public void Should_reward_an_earlier_detection_more_than_a_later_one()
    {
        var early = ChangepointScore.Score(File((52, 122)))![NabProfile.Standard];
        var late = ChangepointScore.Score(File((75, 145)))![NabProfile.Standard];

        Assert.True(early > late, $"early {early}, late {late}");
        Assert.True(late > 0, $"late {late}");
    }

    [Fact]
    public void Should_charge_each_flip_outside_the_windows_as_a_false_positive()
    {
        // Flips at 10 and 20 are false; the window at 50 is hit at its start; the one at 120 is missed.
        var scores = ChangepointScore.Score(File((10, 20), (50, 200)))!;

        var hit = (1.11 / (1 + Math.Exp(5 * (-29.0 / 30)))) - 0.11;
        Assert.Equal(100 * ((hit - 0.22 - 1) + 2) / 4, scores[NabProfile.Standard], 6);
        Assert.True(scores[NabProfile.LowFalsePositives] < scores[NabProfile.Standard]);
    }

    [Fact]
    public void Should_say_nothing_when_no_file_labels_change_points()
    {
        var unlabelled = File((50, 120)).Select(p => p with { Changepoint = null });

        Assert.Null(ChangepointScore.Score(unlabelled));
    }
}
