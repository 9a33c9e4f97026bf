using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Pipeline.Benchmarks;

internal static class MicroBenchmarks
{
    public static int Run(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args, DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator));
        return 0;
    }
}
