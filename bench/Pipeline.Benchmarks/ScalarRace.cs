using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Benchmarks;

/// <summary>
/// Why the trainer holds its scalars (AdamOptimizer): the same in-place update as Adam's first moment, millions of
/// times on a small tensor while other threads collect garbage, with the scalars made on the fly (as TorchSharp's
/// optim.Adam makes them) and held. A scalar made on the fly is referenced by nothing once its native handle is passed
/// on, so a collection during the native call may free it under libtorch.
/// </summary>
internal static class ScalarRace
{
    public static async Task<int> RunAsync(string[] args)
    {
        var iterations = args is ["--iterations", var n] ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 3_000_000;
        foreach (var held in new[] { false, true })
        {
            using var average = zeros(8);
            using var gradient = ones(8);
            using var beta = 0.9.ToScalar();
            using var complement = (1 - 0.9).ToScalar();
            using var stop = new CancellationTokenSource();
            var collectors = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                }
            })).ToArray();
            var (errors, first) = (0, string.Empty);
            for (var i = 0; i < iterations; i++)
            {
                try
                {
                    _ = held ? average.mul_(beta).add_(gradient, complement) : average.mul_(0.9).add_(gradient, alpha: 1 - 0.9);
                }
                catch (ExternalException e)
                {
                    errors++;
                    first = first.Length > 0 ? first : e.Message.Split('\n')[0];
                }
            }

            await stop.CancelAsync();
            await Task.WhenAll(collectors);
            Console.WriteLine($"{(held ? "held" : "on the fly")}: {errors} failed of {iterations:N0} updates{(errors > 0 ? $"; first: {first}" : string.Empty)}");
        }

        return 0;
    }
}
