using Pipeline.Models.Data;
using Pipeline.Models.Detection;

namespace Pipeline.Tests.Models.Detection;

public sealed class NormalOperationSpecs
{
    /// <summary>
    /// 1,000 rows of one signal in runs of 20 at two levels 5 apart, with noise of 0.1: a pump that runs at two set
    /// points, its set-point changes left out of the data (the rows between runs), each run after a gap.
    /// </summary>
    private static SignalTable TwoLevelsInRuns(bool gaps)
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 1000).Select(r => new[] { (float)((r / 20 % 2 * 5) + (0.1 * random.NextDouble())) }).ToArray();
        return new SignalTable(["flow"], rows, new long[rows.Length]) { AfterGap = gaps ? [.. Enumerable.Range(0, 1000).Select(r => r > 0 && r % 20 == 0)] : null };
    }

    [Fact]
    public void Should_take_a_jump_across_a_gap_for_a_change_of_level_not_for_noise()
    {
        Assert.Equal(ModelManifest.SeveralOperatingPoints, NormalOperation.OperatingPoints(TwoLevelsInRuns(gaps: true), []));
        Assert.Equal(ModelManifest.OneOperatingPoint, NormalOperation.OperatingPoints(TwoLevelsInRuns(gaps: false), [])); // without the gaps the same jumps read as sample-to-sample noise
    }
}
