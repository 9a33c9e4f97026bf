using Pipeline.Benchmarks;

return args switch
{
    ["sensors", .. var rest] => await SensorMemoryBenchmark.RunAsync(rest),
    ["micro", .. var rest] => MicroBenchmarks.Run(rest),
    ["fleet", .. var rest] => FleetDetection.Run(rest),
    ["allocations", .. var rest] => AllocationReport.Run(rest),
    ["scalar-race", .. var rest] => await ScalarRace.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Pipeline.Benchmarks -- sensors [--count N] [--readings R] [--learning N] [--settle SECONDS] [--window W] [--backend portable|torchsharp|auto] [--hold SECONDS]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Pipeline.Benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter *Inference*]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Pipeline.Benchmarks -- fleet [--model models/default] [--pumps 100] [--first-seed 1001] [--fault-runs 6] [--on-delay 10/10] [--offset SIGNAL=VALUE] [--steady] [--shift-confirm 100]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Pipeline.Benchmarks -- allocations TRACE.nettrace [--top N]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/Pipeline.Benchmarks -- scalar-race [--iterations 3000000]");
    return 2;
}
