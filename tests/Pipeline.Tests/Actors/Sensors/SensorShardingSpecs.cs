using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Actors.Hosting;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>Two actor systems in this process form a cluster on loopback and share the sensors.</summary>
public sealed class SensorShardingSpecs : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly WindowSpec Spec = new(5, ["flow"]);
    private static readonly string[] SensorIds = Enumerable.Range(1, 40).Select(i => $"esp32-{i:D2}").ToArray();

    private readonly RecordingStatusBoard _board = new();
    private readonly InMemoryHistory _history = new(SensorIds.SelectMany(id => Enumerable.Range(1, 10).Select(seq => Sample(id, seq))).ToArray());
    private IHost _first = null!;
    private IHost _second = null!;

    private static readonly DateTimeOffset Base = DateTimeOffset.UtcNow.AddMinutes(-1);

    private static Reading Sample(string sensor, long seq) =>
        new(sensor, Base.AddSeconds(seq).ToUnixTimeMilliseconds(), seq, new Dictionary<string, double> { ["flow"] = seq });

    private IHost StartNode(int port, params string[] seeds)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddAkka("pipeline", (akka, _) => akka.WithSensorSharding(
            new ClusterNodeOptions { Hostname = "127.0.0.1", Port = port, SeedNodes = [.. seeds], NumberOfShards = 20 },
            SensorShardingExtensions.SensorProps(new SensorCatalog(), _ => Spec, _history, _board)));
        var host = builder.Build();
        return host;
    }

    public async Task InitializeAsync()
    {
        var firstPort = FreePort.Next();
        _first = StartNode(firstPort);
        await _first.StartAsync();
        _second = StartNode(FreePort.Next(), $"akka.tcp://pipeline@127.0.0.1:{firstPort}");
        await _second.StartAsync();
        var cluster = Cluster.Get(_first.Services.GetRequiredService<ActorSystem>());
        await Eventually.HoldsAsync(() => cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 2, Patience,
            () => string.Join(", ", cluster.State.Members));
    }

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
            var recorded = await via.Ask<ReadingRecorded>(new RecordReading(Sample(SensorIds[i], 11)), Patience);
            Assert.Equal(SequenceVerdict.Next, recorded.Verdict);
            Assert.NotNull(recorded.Window); // warm-started from history: a full window at once
        }

        // Each sensor answers the same from either node, and lives on one of them.
        var homes = new Dictionary<string, string>();
        foreach (var id in SensorIds)
        {
            var viaFirst = await first.Ask<SensorStatus>(new GetSensorStatus(id), Patience);
            var viaSecond = await second.Ask<SensorStatus>(new GetSensorStatus(id), Patience);
            Assert.Equal(viaFirst.Node, viaSecond.Node);
            Assert.Equal(11, viaFirst.LastSequence);
            homes[id] = viaFirst.Node;
        }

        var firstAddress = Address(_first);
        var secondAddress = Address(_second);
        Assert.Contains(homes.Values, n => n == firstAddress);
        Assert.Contains(homes.Values, n => n == secondAddress);

        // The second node leaves: its sensors restart on the first, refilled from the store.
        await _second.StopAsync();
        foreach (var id in homes.Where(h => h.Value == secondAddress).Select(h => h.Key))
        {
            var recorded = await first.Ask<ReadingRecorded>(new RecordReading(Sample(id, 12)), Patience);
            var status = await first.Ask<SensorStatus>(new GetSensorStatus(id), Patience);
            Assert.Equal(firstAddress, status.Node);
            Assert.NotNull(recorded.Window);
            Assert.Equal(12, recorded.Window.LastSequence);
        }
    }

    [Fact]
    public async Task Should_take_readings_it_already_took_again_after_a_rewind_refilled_from_the_store()
    {
        var region = await Region(_first);
        var id = SensorIds[^1];
        foreach (var seq in new[] { 11, 12, 13 })
        {
            await region.Ask<ReadingRecorded>(new RecordReading(Sample(id, seq)), Patience);
        }

        var beforeRewind = await region.Ask<ReadingRecorded>(new RecordReading(Sample(id, 11)), Patience); // redelivered
        await region.Ask<Rewound>(new Rewind(id), Patience);
        var afterRewind = await region.Ask<ReadingRecorded>(new RecordReading(Sample(id, 11)), Patience);

        Assert.Equal(SequenceVerdict.OutOfOrder, beforeRewind.Verdict);
        Assert.Equal(SequenceVerdict.Next, afterRewind.Verdict);
        Assert.NotNull(afterRewind.Window); // refilled with the stored readings before it: a full window, scored again
        Assert.Equal(11, afterRewind.Window.LastSequence);
    }

    public async Task DisposeAsync()
    {
        await _second.StopAsync();
        await _first.StopAsync();
        _second.Dispose();
        _first.Dispose();
    }
}
