using Pipeline.Benchmarks;

return args switch
{
    ["sensors", .. var rest] => await SensorMemoryBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Pipeline.Benchmarks -- sensors [--count N] [--window W]");
    return 2;
}
