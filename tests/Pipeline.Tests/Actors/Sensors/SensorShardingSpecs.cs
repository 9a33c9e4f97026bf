using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Actors.Hosting;
using Pipeline.Actors.Inference;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>Two actor systems in this process form a cluster on loopback and share the sensors.</summary>
public sealed class SensorShardingSpecs : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string[] SensorIds = Enumerable.Range(1, 40).Select(i => $"esp32-{i:D2}").ToArray();

    private readonly TempDirectory _temp = new();
    private readonly RecordingStatusBoard _board = new();
    private PipelineStore _store = null!;
    // 11 is what the specs send first: the stream stores each reading before its sensor takes it.
    private readonly InMemoryHistory _history = new(SensorIds.SelectMany(id => Enumerable.Range(1, 11).Select(seq => Sample(id, seq))).ToArray());
    private IHost _first = null!;
    private IHost _second = null!;

    private static readonly DateTimeOffset Base = DateTimeOffset.UtcNow.AddMinutes(-1);

    private static Reading Sample(string sensor, long seq) =>
        new(sensor, Base.AddSeconds(seq).ToUnixTimeMilliseconds(), seq, new Dictionary<string, double> { ["flow"] = 100 + seq, ["pressure"] = 4 });

    /// <summary>As the stream does: the verdicts stored once the sensor answers.</summary>
    private async Task<ReadingsRecorded> Record(IActorRef region, string sensor, long seq)
    {
        var recorded = await region.Ask<ReadingsRecorded>(new RecordReadings(sensor, [Sample(sensor, seq)]), Patience);
        await _store.Verdicts.WriteVerdictsAsync(recorded.Verdicts, default);
        return recorded;
    }

    private IHost StartNode(int port, params string[] seeds)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        // A window due with every reading, so that each one the specs send is judged.
        var models = new ModelCatalog(new ModelBundle(SensorHarness.Tiny.Value.Manifest with { Stride = 1 }, SensorHarness.Tiny.Value.Weights));
        builder.Services.AddAkka("pipeline", (akka, sp) => akka
            .WithActors((system, registry) => registry.Register<InferenceRegistryKey>(
                system.ActorOf(InferenceActor.Props(models, b => new PortableDetector(b), new InferenceOptions()), "inference")))
            .WithSensorSharding(
                new ClusterNodeOptions { Hostname = "127.0.0.1", Port = port, SeedNodes = [.. seeds], NumberOfShards = 20 },
                sensorId => SensorActor.Props(sensorId, new SensorServices(
                    new SensorCatalog(), models, sp.GetRequiredService<ActorRegistry>().Get<InferenceRegistryKey>(), b => new PortableDetector(b),
                    _history, _board, _store.Calibrations, _store.Alarms, new RecordingPublisher(), new AlarmSettings(), 0,
                    TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)))));
        var host = builder.Build();
        return host;
    }

    public async Task InitializeAsync()
    {
        _store = PipelineStore.Open(new StoreOptions { Path = _temp.Combine("node.db") });
        // The history's windows were judged before, up to 10.
        await _store.Verdicts.WriteVerdictsAsync([.. SensorIds.Select(id => Judged(id, 10))], default);
        var firstPort = FreePort.Next();
        _first = StartNode(firstPort);
        await _first.StartAsync();
        _second = StartNode(FreePort.Next(), $"akka.tcp://pipeline@127.0.0.1:{firstPort}");
        await _second.StartAsync();
        var cluster = Cluster.Get(_first.Services.GetRequiredService<ActorSystem>());
        await Eventually.HoldsAsync(() => cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 2, Patience,
            () => string.Join(", ", cluster.State.Members));
    }

    internal static Verdict Judged(string sensor, long lastSequence) =>
        new(sensor, lastSequence - 2, lastSequence, 0, 0, 0, [], [], 1, false, "earlier", []);

    private static Task<IActorRef> Region(IHost host) => host.Services.GetRequiredService<IRequiredActor<SensorRegion>>().GetAsync();

    private static string Address(IHost host) =>
        Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();

    [Fact]
    public async Task Should_spread_sensors_over_both_nodes_reachable_from_either_and_move_them_when_a_node_leaves()
    {
        var first = await Region(_first);
        var second = await Region(_second);

        // Readings for every sensor, half sent through each node.
        for (var i = 0; i < SensorIds.Length; i++)
        {
            var via = i % 2 == 0 ? first : second;
            var recorded = await Record(via, SensorIds[i], 11);
            Assert.Equal(SequenceVerdict.Next, recorded.Readings[0].Verdict);
            Assert.Equal(11, Assert.Single(recorded.Verdicts).LastSequence); // warm-started from history: a full window at once
        }

        // Each sensor is one actor reached from either node — through the other node, the reading it took is a
        // duplicate — and lives on one of them (its status names the node).
        var homes = new Dictionary<string, string>();
        for (var i = 0; i < SensorIds.Length; i++)
        {
            var again = await Record(i % 2 == 0 ? second : first, SensorIds[i], 11);
            Assert.Equal(SequenceVerdict.Duplicate, again.Readings[0].Verdict);
            homes[SensorIds[i]] = _board.Latest[SensorIds[i]].Node;
        }

        var firstAddress = Address(_first);
        var secondAddress = Address(_second);
        Assert.Contains(homes.Values, n => n == firstAddress);
        Assert.Contains(homes.Values, n => n == secondAddress);

        // The second node leaves: its sensors restart on the first, refilled from the store.
        await _second.StopAsync();
        foreach (var id in homes.Where(h => h.Value == secondAddress).Select(h => h.Key))
        {
            var recorded = await Record(first, id, 12);
            Assert.Equal(firstAddress, _board.Latest[id].Node);
            Assert.Equal(12, Assert.Single(recorded.Verdicts).LastSequence);
        }
    }

    [Fact]
    public async Task Should_judge_again_after_a_rewind_the_readings_whose_verdicts_were_not_stored_and_no_others()
    {
        var region = await Region(_first);
        var id = SensorIds[^1];
        await Record(region, id, 11);
        foreach (var seq in new[] { 12, 13 })
        {
            // Judged, but the stream failed before it stored their verdicts: the broker delivers them again.
            await region.Ask<ReadingsRecorded>(new RecordReadings(id, [Sample(id, seq)]), Patience);
        }

        var beforeRewind = await Record(region, id, 12); // redelivered
        await region.Ask<Rewound>(new Rewind(id), Patience);
        var judgedBefore = await Record(region, id, 11);
        var notStored = await Record(region, id, 12);

        Assert.Equal(SequenceVerdict.Duplicate, beforeRewind.Readings[0].Verdict); // taken already: ignored, counted
        Assert.Equal(SequenceVerdict.Duplicate, judgedBefore.Readings[0].Verdict); // its verdict is stored
        Assert.Equal(SequenceVerdict.Next, notStored.Readings[0].Verdict);
        Assert.Equal(12, Assert.Single(notStored.Verdicts).LastSequence); // refilled with the stored readings before it: judged again
    }

    public async Task DisposeAsync()
    {
        await _second.StopAsync();
        await _first.StopAsync();
        _second.Dispose();
        _first.Dispose();
        _store.Dispose();
    }

    public void Dispose() => _temp.Dispose();
}
