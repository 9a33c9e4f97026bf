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
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Simulation;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Ingesting;

namespace Pipeline.Benchmarks;

/// <summary>
/// Memory per sensor: N sensor actors in the sharded region of a one-node cluster (as the node runs them), each sent
/// <c>--readings</c> readings (by default 400: past the pulsation watches' learning, as a sensor in operation; the
/// window's length: a sensor's first full window) judged by the shipped model (the detector's learning off; with
/// <c>--learning N</c> each sensor learns its calibration on its first N readings, as in the node), measured
/// as managed heap and RSS growth over the same process with the region empty; then (<c>--settle</c>, default 60 s)
/// the fleet in operation, every sensor one reading a second, and the RSS the process holds then. In operation the
/// readings go as the node's stream sends them — through <see cref="ShardedSensorFleet"/>, in batches spread over the
/// second — not asked one by one (<c>--ask</c> keeps the earlier way: every sensor asked at the top of the second).
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
        var perSensor = Option(args, "--readings", 400);
        var settle = Option(args, "--settle", 60);
        var learning = Option(args, "--learning", 0); // readings each sensor learns on; 0: judged by the model's own calibration
        var ask = args.Contains("--ask");
        // Every sensor reads one simulated pump in normal operation (a fleet in operation has no alarms up): made once,
        // before the baseline is taken, so it is not counted as the sensors'.
        var normal = new PumpSimulator("bench", seed: 1, setPointChanges: false).Record((perSensor + settle) * 2); // dropouts leave seconds out
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
                LearningReadings: learning, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(60)));
            akka
                .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
                .WithActors((system, registry) => registry.Register<InferenceRegistryKey>(
                    system.ActorOf(InferenceActor.Props(models, b => Detectors.Create(b, backend), new InferenceOptions()), "inference")))
                .WithSensorSharding(new ClusterNodeOptions { NumberOfShards = 100 }, sensorId => SensorActor.Props(sensorId, services.Value));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var region = await host.Services.GetRequiredService<IRequiredActor<SensorRegion>>().GetAsync();
        await Record(region, "warm-up", normal, 1);

        var heapBefore = Heap();
        var rssBefore = Rss();
        var clock = Stopwatch.StartNew();
        // One reading per sensor and ask, every sensor in turn: a fleet reporting in step. (Batches of 20 readings per
        // ask measured 600-830 MB more RSS: 200,000 windows in flight at once, the garbage collector's high-water mark.)
        for (var seq = 1; seq <= perSensor; seq++)
        {
            await Wave(region, count, normal, seq);
        }

        clock.Stop();
        var heapAfter = Heap();
        var rssAfter = Rss();
        var readings = (long)count * perSensor;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            sensors                 {count:N0}  (window {window} x {spec.Width} signals, {perSensor} readings each)
            readings                {readings:N0} in {clock.Elapsed.TotalSeconds:F1} s ({readings / clock.Elapsed.TotalSeconds:N0}/s through the shard region, asked in waves of {count:N0})
            managed heap growth     {(heapAfter - heapBefore) / 1048576.0:F1} MiB = {(heapAfter - heapBefore) / (double)count:N0} bytes per sensor
            RSS growth              {(rssAfter - rssBefore) / 1048576.0:F1} MiB = {(rssAfter - rssBefore) / (double)count:N0} bytes per sensor
            RSS total               {rssAfter / 1048576.0:F1} MiB  ({backend} backend, {(GCSettings.IsServerGC ? "server" : "workstation")} GC)
            """));
        if (settle > 0)
        {
            // The load is a burst, and what the collector holds right after a burst is its high-water mark. A fleet in
            // operation reports at its sampling period: every sensor one reading a second, scored, while the collector
            // runs as it does in a node (no forced collection) — the RSS at the end is what such a node holds.
            Console.WriteLine($"in operation: {count:N0} sensors x 1 reading/s for {settle} s, {(ask ? "each asked at the top of the second" : $"through the node's {nameof(ShardedSensorFleet)} in {BatchesPerSecond} batches a second")}");
            using var fleet = new ShardedSensorFleet(host.Services.GetRequiredService<ActorSystem>(), region, TimeSpan.FromSeconds(60));
            var operation = Stopwatch.StartNew();
            for (var second = 1; second <= settle; second++)
            {
                await (ask
                    ? Wave(region, count, normal, perSensor + second)
                    : Spread(fleet, count, normal, perSensor + second, operation, TimeSpan.FromSeconds(second - 1)));
                if (second % 10 == 0 || second == settle)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {second,3} s  RSS {Rss() / 1048576.0:F1} MiB"));
                }

                await Until(operation, TimeSpan.FromSeconds(second));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RSS in operation       {Rss() / 1048576.0:F1} MiB after {settle} s ({(operation.Elapsed.TotalSeconds > settle * 1.1 ? "the node fell behind 1 reading/s per sensor" : "kept up")})"));
        }

        // What the collector keeps beyond the live data is policy, not the sensors': an aggressive collection returns
        // what it can to the system, which gives the floor a running node's RSS cannot go below.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS after an aggressive GC {Rss() / 1048576.0:F1} MiB (the floor)"));
        if (hold > 0)
        {
            // Time to take the heap apart: dotnet-gcdump collect -p PID (bench/README.md).
            Console.WriteLine($"holding for {hold} s, process {Environment.ProcessId}");
            await Task.Delay(TimeSpan.FromSeconds(hold));
        }

        await host.StopAsync();
        return 0;
    }

    /// <summary>One reading to every sensor, each asked in turn: a fleet reporting in step.</summary>
    private static Task Wave(IActorRef region, int count, SignalTable pump, int seq)
    {
        var asks = new Task[count];
        for (var i = 0; i < count; i++)
        {
            asks[i] = Record(region, $"sensor-{i:D5}", pump, seq);
        }

        return Task.WhenAll(asks);
    }

    private const int BatchesPerSecond = 20;

    /// <summary>
    /// One reading to every sensor within the second from <paramref name="start"/>, as a node's stream hands them on: a
    /// stored batch every 50 ms, one message per sensor in it (<see cref="ShardedSensorFleet.RecordAsync"/>), the
    /// batches not waiting for each other (the stream has several in flight).
    /// </summary>
    private static async Task Spread(ShardedSensorFleet fleet, int count, SignalTable pump, int seq, Stopwatch clock, TimeSpan start)
    {
        var batches = new List<Task>(BatchesPerSecond);
        var size = (count + BatchesPerSecond - 1) / BatchesPerSecond;
        for (var b = 0; b < BatchesPerSecond; b++)
        {
            await Until(clock, start + TimeSpan.FromSeconds((double)b / BatchesPerSecond));
            var readings = new List<Reading>(size);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var i = b * size; i < Math.Min(count, (b + 1) * size); i++)
            {
                readings.Add(pump.ReadingAt(seq - 1, $"sensor-{i:D5}", seq, now));
            }

            batches.Add(Stored(fleet.RecordAsync(readings, CancellationToken.None)));
        }

        await Task.WhenAll(batches);
    }

    /// <summary>
    /// A batch's verdicts let go as soon as they arrive, as the node's stream lets them go once stored (milliseconds).
    /// Held until the second's last batch, every verdict outlived two collections and died in the oldest generation:
    /// 11 MB of dead verdicts in a heap dump in operation, which the benchmark, not a node, had kept (bench/README.md).
    /// </summary>
    private static async Task Stored(Task<IReadOnlyList<Verdict>> batch) => _ = await batch;

    /// <summary>Waits until <paramref name="clock"/> reads <paramref name="at"/>; at once when it is past.</summary>
    private static Task Until(Stopwatch clock, TimeSpan at)
    {
        var due = at - clock.Elapsed;
        return due > TimeSpan.Zero ? Task.Delay(due) : Task.CompletedTask;
    }

    /// <summary>The pump's reading number <paramref name="seq"/> (from 1), as the sensor's.</summary>
    private static Task<ReadingsRecorded> Record(IActorRef region, string sensor, SignalTable pump, int seq)
    {
        var reading = pump.ReadingAt(seq - 1, sensor, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return region.Ask<ReadingsRecorded>(new RecordReadings(sensor, new List<Reading> { reading }), TimeSpan.FromSeconds(60));
    }

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
