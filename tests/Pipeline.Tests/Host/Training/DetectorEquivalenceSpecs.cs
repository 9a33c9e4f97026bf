using Pipeline.Host.Training;
using Pipeline.Models.Detection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Training;

/// <summary>The portable forward pass (what the Pi runs) equals TorchSharp on the same bundle.</summary>
public sealed class DetectorEquivalenceSpecs
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(1000), TrainerSpecs.Small with { Epochs = 3 }));

    // Two layers, and a hidden size that is no multiple of the kernel's two vectors (21: two blocks of 8 on arm64 or one of 16 on
    // x64, then 5 units one at a time): the blocked and the remainder paths side by side, in both of the batched pass's blocks.
    private static readonly Lazy<ModelBundle> Deep = new(() => Trainer.Train(SyntheticPump.Normal(600), TrainerSpecs.Small with { Hidden = 21, Layers = 2, Epochs = 2 }));

    [Fact]
    public void Should_load_torchsharp_on_this_machine()
    {
        var (available, reason) = Detectors.TorchSharpStatus;

        Assert.True(available, reason);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(64, false)]
    [InlineData(150, false)] // past PortableDetector.ChunkOf: the batch goes through in three parts
    [InlineData(1, true)]
    [InlineData(6, true)]
    public void Should_give_the_same_scores_as_torchsharp_to_1e_4_relative(int batch, bool deep)
    {
        var bundle = deep ? Deep.Value : Bundle.Value;
        var windows = SyntheticPump.Normal(batch + 19, seed: 5, leakFrom: batch / 2).Windows(20, 1, out var count);
        Assert.Equal(batch, count);
        using var torch = new TorchSharpDetector(bundle);
        using var portable = new PortableDetector(bundle);

        var expected = torch.Score(windows, count);
        _ = portable.Score(windows.AsSpan(0, windows.Length / count), 1); // a smaller batch before: scratch space reused
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

    [Fact]
    public void Should_score_alike_whether_detectors_share_a_bundles_weights_and_scratch_space_or_not()
    {
        // Calibration makes a detector per candidate scaler of one bundle: they share the prepared weights and the
        // scratch space, which must not carry anything from one detector's batch into another's.
        var bundle = Bundle.Value;
        var shifted = new ModelBundle(bundle.Manifest with { Scaler = bundle.Manifest.Scaler with { Mean = bundle.Manifest.Scaler.Mean.Select(m => m + 0.5f).ToArray() } }, bundle.Weights);
        ModelBundle Alone(ModelBundle b) => new(b.Manifest, b.Weights.ToDictionary(w => w.Key, w => w.Value.ToArray()));
        var windows = SyntheticPump.Normal(100, seed: 9, leakFrom: 50).Windows(20, 1, out var count);
        var size = windows.Length / count;
        using var first = new PortableDetector(bundle);
        using var second = new PortableDetector(shifted);

        foreach (var (detector, own, batch) in new[] { (first, bundle, 3), (second, shifted, 70), (first, bundle, 5), (second, shifted, 1), (first, bundle, count) })
        {
            using var alone = new PortableDetector(Alone(own));
            var expected = alone.Score(windows.AsSpan(0, batch * size), batch);
            var actual = detector.Score(windows.AsSpan(0, batch * size), batch);
            Assert.Equal(expected.Select(e => e.Total), actual.Select(a => a.Total));
        }
    }

    [Fact]
    public void Should_score_an_empty_batch_as_no_windows_and_refuse_values_that_are_no_whole_windows()
    {
        using var portable = new PortableDetector(Bundle.Value);

        Assert.Empty(portable.Score([], 0));
        Assert.Throws<ArgumentException>(() => portable.Score(new float[7], 1));
    }

    private static void AssertClose(float expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(Math.Abs(expected), 1e-6f), $"expected {expected}, got {actual}");
}
