using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Hosting;
using Pipeline.Actors.Inference;
using Pipeline.Actors.Sensors;
using Pipeline.Host.Training;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Benchmarks;

/// <summary>
/// Memory per sensor: N sensor actors in the sharded region of a one-node cluster (as the node runs them), each with
/// a full window judged by the shipped model (learning off), measured as managed heap and RSS growth over the same
/// process with the region empty.
/// </summary>
internal static class SensorMemoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = Option(args, "--count", 10_000);
        var backend = Text(args, "--backend", "portable")!;
        var hold = Option(args, "--hold", 0);
        var model = ModelBundle.Load("models/default");
        var window = Option(args, "--window", model.Manifest.Window);
        var models = new ModelCatalog(new ModelBundle(model.Manifest with { Window = window }, model.Weights));
        var spec = new WindowSpec(window, model.Manifest.Signals);

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAkka("pipeline", (akka, sp) =>
        {
            // One set of services for every sensor, as the node has (PipelineHostingExtensions.SensorProps): what a
            // sensor holds of its own is what is measured.
            var services = new Lazy<SensorServices>(() => new SensorServices(
                new SensorCatalog(), models, sp.GetRequiredService<ActorRegistry>().Get<InferenceRegistryKey>(), b => Detectors.Create(b, backend),
                new NoHistory(), new NoBoard(), new NoCalibrations(), new NoJournal(), new NoPublisher(), new AlarmSettings(),
                LearningReadings: 0, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(60)));
            akka
                .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
                .WithActors((system, registry) => registry.Register<InferenceRegistryKey>(
                    system.ActorOf(InferenceActor.Props(models, b => Detectors.Create(b, backend), new InferenceOptions()), "inference")))
                .WithSensorSharding(new ClusterNodeOptions { NumberOfShards = 100 }, sensorId => SensorActor.Props(sensorId, services.Value));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var region = await host.Services.GetRequiredService<IRequiredActor<SensorRegion>>().GetAsync();
        await Record(region, "warm-up", 1);

        var heapBefore = Heap();
        var rssBefore = Rss();
        var clock = Stopwatch.StartNew();
        for (var step = 1; step <= window; step++)
        {
            var asks = new Task[count];
            for (var i = 0; i < count; i++)
            {
                asks[i] = Record(region, $"sensor-{i:D5}", step);
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
            RSS total               {rssAfter / 1048576.0:F1} MiB  ({backend} backend, {(GCSettings.IsServerGC ? "server" : "workstation")} GC)
            """));
        if (hold > 0)
        {
            // Time to take the heap apart: dotnet-gcdump collect -p PID (bench/README.md).
            Console.WriteLine($"holding for {hold} s, process {Environment.ProcessId}");
            await Task.Delay(TimeSpan.FromSeconds(hold));
        }

        await host.StopAsync();
        return 0;
    }

    private static Task<ReadingsRecorded> Record(IActorRef region, string sensor, long seq) =>
        region.Ask<ReadingsRecorded>(new RecordReadings(sensor, new List<Reading> { Sample(sensor, seq) }), TimeSpan.FromSeconds(60));

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

    private static string? Text(string[] args, string name, string? fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }

    private static int Option(string[] args, string name, int fallback) =>
        Text(args, name, null) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private sealed class NoHistory : IReadingHistory
    {
        public Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation) =>
            Task.FromResult<IReadOnlyList<Reading>>([]);

        public Task<IReadOnlyList<Reading>> FromAsync(string sensorId, long fromSequence, int count, CancellationToken cancellation) =>
            Task.FromResult<IReadOnlyList<Reading>>([]);
    }

    private sealed class NoBoard : ISensorStatusBoard
    {
        public void Report(SensorStatus status)
        {
        }
    }

    private sealed class NoCalibrations : ISensorCalibrations
    {
        public Task<SensorCalibration?> LoadCalibrationAsync(string sensorId, string modelVersion, CancellationToken cancellation) => Task.FromResult<SensorCalibration?>(null);

        public Task<IReadOnlyList<SensorCalibration>> LoadCalibrationsAsync(string modelVersion, CancellationToken cancellation) => Task.FromResult<IReadOnlyList<SensorCalibration>>([]);

        public Task SaveCalibrationAsync(SensorCalibration calibration, CancellationToken cancellation) => Task.CompletedTask;

        public Task<int> DeleteCalibrationsAsync(string sensorId, CancellationToken cancellation) => Task.FromResult(0);
    }

    private sealed class NoJournal : IAlarmJournal
    {
        public Task RecordAsync(IReadOnlyList<AlarmChange> changes, IReadOnlyList<Verdict> judged, CancellationToken cancellation) => Task.CompletedTask;

        public Task<IReadOnlyList<Alarm>> LoadOpenAsync(string? sensorId, CancellationToken cancellation) => Task.FromResult<IReadOnlyList<Alarm>>([]);

        public Task<IReadOnlyList<JudgedWindow>> LoadJudgedAsync(string sensorId, int count, CancellationToken cancellation) => Task.FromResult<IReadOnlyList<JudgedWindow>>([]);
    }

    private sealed class NoPublisher : IAlarmPublisher
    {
        public void Publish(IReadOnlyList<AlarmChange> changes)
        {
        }

        public void PublishState(IReadOnlyList<Alarm> open)
        {
        }
    }
}
