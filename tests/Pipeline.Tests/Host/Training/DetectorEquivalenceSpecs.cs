using Pipeline.Host.Training;
using Pipeline.Models.Detection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Training;

/// <summary>The portable forward pass (what the Pi runs) equals TorchSharp on the same bundle.</summary>
public sealed class DetectorEquivalenceSpecs
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(1000), TrainerSpecs.Small with { Epochs = 3 }));

    [Fact]
    public void Should_load_torchsharp_on_this_machine()
    {
        var (available, reason) = Detectors.TorchSharpStatus;

        Assert.True(available, reason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void Should_give_the_same_scores_as_torchsharp_to_1e_4_relative(int batch)
    {
        var windows = SyntheticPump.Normal(batch + 19, seed: 5, leakFrom: batch / 2).Windows(20, 1, out var count);
        Assert.Equal(batch, count);
        using var torch = new TorchSharpDetector(Bundle.Value);
        using var portable = new PortableDetector(Bundle.Value);

        var expected = torch.Score(windows, count);
        var actual = portable.Score(windows, count);

        for (var b = 0; b < count; b++)
        {
            AssertClose(expected[b].Total, actual[b].Total);
            for (var f = 0; f < expected[b].PerSignal.Length; f++)
            {
                AssertClose(expected[b].PerSignal[f], actual[b].PerSignal[f]);

                // A mean of signed errors can be near zero: relative to its window's root mean square error instead.
                var rms = MathF.Sqrt(expected[b].PerSignal[f]);
                Assert.True(Math.Abs(expected[b].Residual[f] - actual[b].Residual[f]) <= 1e-4 * rms, $"residual: expected {expected[b].Residual[f]}, got {actual[b].Residual[f]}");
            }
        }
    }

    private static void AssertClose(float expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(Math.Abs(expected), 1e-6f), $"expected {expected}, got {actual}");
}
