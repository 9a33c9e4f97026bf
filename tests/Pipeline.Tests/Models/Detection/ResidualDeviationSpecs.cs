using Pipeline.Models.Detection;

namespace Pipeline.Tests.Models.Detection;

public sealed class ResidualDeviationSpecs
{
    private static WindowScore Window(float noisy, float quiet) => WindowScore.FromPerSignal([0, 0], [noisy, quiet]);

    /// <summary>Commissioning: the first signal's residual swings by about 1, the second's by about 0.01, both around 0.5.</summary>
    private static readonly WindowScore[] Commissioning = Enumerable.Range(0, 100)
        .Select(i => Window(0.5f + (i % 2 == 0 ? 1f : -1f), 0.5f + (i % 2 == 0 ? 0.01f : -0.01f)))
        .ToArray();

    [Fact]
    public void Should_score_a_window_by_its_signal_furthest_from_its_commissioning_residuals()
    {
        var deviation = ResidualDeviation.Fit(Commissioning);

        Assert.Equal(0, deviation.Score(Window(0.5f, 0.5f)), 6);
        Assert.Equal(100, deviation.Score(Window(0.5f, 0.6f)), 1); // the quiet signal 10 of its deviations out
        Assert.Equal(4, deviation.Score(Window(2.5f, 0.5f)), 3); // the noisy one 2 of its own
        Assert.Equal(100, deviation.Score(Window(2.5f, 0.4f)), 1); // the worst counts, not the sum
    }

    [Fact]
    public void Should_refuse_fewer_than_two_commissioning_windows() =>
        Assert.Throws<ArgumentException>(() => ResidualDeviation.Fit([Window(0, 0)]));
}
