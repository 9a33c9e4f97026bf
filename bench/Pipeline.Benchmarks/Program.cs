using Pipeline.Benchmarks;

return args switch
{
    ["sensors", .. var rest] => await SensorMemoryBenchmark.RunAsync(rest),
    ["micro", .. var rest] => MicroBenchmarks.Run(rest),
    ["learning", .. var rest] => LearningQuality.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Pipeline.Benchmarks -- sensors [--count N] [--window W]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Pipeline.Benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter *Inference*]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Pipeline.Benchmarks -- learning [--model models/default] [--learning 300] [--offset SIGNAL=VALUE]");
    return 2;
}
