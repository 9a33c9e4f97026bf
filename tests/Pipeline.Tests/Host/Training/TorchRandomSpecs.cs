using Pipeline.Host.Training;
using Pipeline.Models.Detection;

namespace Pipeline.Tests.Host.Training;

/// <summary>A seed gives the same initial weights however many threads use libtorch's one generator at once.</summary>
public sealed class TorchRandomSpecs
{
    private static readonly ModelArchitecture Architecture = new(20, 4, 16);

    private static float[] InitialWeights(int seed)
    {
        using var module = TorchRandom.Seeded(seed, () => new LstmAutoencoderModule(Architecture));
        return [.. module.ExportWeights().OrderBy(w => w.Key, StringComparer.Ordinal).SelectMany(w => w.Value)];
    }

    [Fact]
    public void Should_give_a_seed_its_own_initial_weights_while_other_threads_seed_and_draw()
    {
        var expected = Enumerable.Range(1, 4).ToDictionary(seed => seed, InitialWeights);
        var differing = 0;

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var seed = 1 + (i % 4);
            if (!InitialWeights(seed).SequenceEqual(expected[seed]))
            {
                Interlocked.Increment(ref differing);
            }
        });

        Assert.Equal(0, differing);
        Assert.NotEqual(expected[1], expected[2]);
    }
}
