using static TorchSharp.torch;

namespace Pipeline.Host.Training;

/// <summary>
/// libtorch has one default random generator per process. A seed set on one thread and the draws that follow it (a
/// module's initial weights) interleave with any other thread's draws — two trainings at once, a TorchSharp detector
/// made meanwhile — and the same seed then gives other weights. Whatever here seeds or draws from it does so under one
/// lock.
/// </summary>
internal static class TorchRandom
{
    private static readonly Lock Gate = new();

    /// <summary>Runs <paramref name="draw"/> alone on the generator, seeded first with <paramref name="seed"/> when one is given.</summary>
    public static T Seeded<T>(int? seed, Func<T> draw)
    {
        ArgumentNullException.ThrowIfNull(draw);
        lock (Gate)
        {
            if (seed is { } value)
            {
                random.manual_seed(value);
            }

            return draw();
        }
    }
}
