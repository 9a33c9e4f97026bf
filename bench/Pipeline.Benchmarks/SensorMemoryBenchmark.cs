using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Hosting;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Benchmarks;

/// <summary>
/// Memory per sensor: N sensor actors in the sharded region of a one-node cluster (as the node runs them), each with
/// a full window, measured as managed heap and RSS growth over the same process with the region empty.
/// </summary>
internal static class SensorMemoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = Option(args, "--count", 10_000);
        var window = Option(args, "--window", WindowSpec.Default.Length);
        var spec = WindowSpec.Default with { Length = window };

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAkka("pipeline", (akka, _) => akka
            .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
            .WithSensorSharding(
                new ClusterNodeOptions { NumberOfShards = 100 },
                SensorShardingExtensions.SensorProps(new SensorCatalog(), _ => spec, new NoHistory(), new NoBoard())));
        using var host = builder.Build();
        await host.StartAsync();
        var region = await host.Services.GetRequiredService<IRequiredActor<SensorRegion>>().GetAsync();
        await region.Ask<ReadingRecorded>(new RecordReading(Sample("warm-up", 1)), TimeSpan.FromSeconds(30));

        var heapBefore = Heap();
        var rssBefore = Rss();
        var clock = Stopwatch.StartNew();
        for (var step = 1; step <= window; step++)
        {
            var asks = new Task[count];
            for (var i = 0; i < count; i++)
            {
                asks[i] = region.Ask<ReadingRecorded>(new RecordReading(Sample($"sensor-{i:D5}", step)), TimeSpan.FromSeconds(60));
            }

            await Task.WhenAll(asks);
        }

        clock.Stop();
        var heapAfter = Heap();
        var rssAfter = Rss();
        var readings = (long)count * window;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            sensors                 {count:N0}  (window {window} x {spec.Width} signals)
            readings                {readings:N0} in {clock.Elapsed.TotalSeconds:F1} s ({readings / clock.Elapsed.TotalSeconds:N0}/s through the shard region, asked in waves of {count:N0})
            managed heap growth     {(heapAfter - heapBefore) / 1048576.0:F1} MiB = {(heapAfter - heapBefore) / (double)count:N0} bytes per sensor
            RSS growth              {(rssAfter - rssBefore) / 1048576.0:F1} MiB = {(rssAfter - rssBefore) / (double)count:N0} bytes per sensor
            RSS total               {rssAfter / 1048576.0:F1} MiB
            """));
        await host.StopAsync();
        return 0;
    }

    private static Reading Sample(string sensor, long seq) => new(
        sensor,
        DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        seq,
        new Dictionary<string, double> { ["flow"] = 120 + seq, ["temperature"] = 21 + (seq * 0.01), ["pressure"] = 4.2 + (seq * 0.001), ["current"] = 8.5 + (seq % 3) });

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static long Rss()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed class NoHistory : IReadingHistory
    {
        public Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation) =>
            Task.FromResult<IReadOnlyList<Reading>>([]);
    }

    private sealed class NoBoard : ISensorStatusBoard
    {
        public void Report(SensorStatus status)
        {
        }
    }
}
