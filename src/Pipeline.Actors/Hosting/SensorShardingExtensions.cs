using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Pipeline.Actors.Sensors;

namespace Pipeline.Actors.Hosting;

public static class SensorShardingExtensions
{
    /// <summary>Largest message between nodes (Akka's default is 128,000 bytes).</summary>
    public const int MaxFrameBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Remoting, clustering and the sensors' shard region. Without seed nodes the node joins itself, so a single
    /// Pi needs no cluster configuration at all.
    /// </summary>
    public static AkkaConfigurationBuilder WithSensorSharding(
        this AkkaConfigurationBuilder builder,
        ClusterNodeOptions cluster,
        Func<string, Props> sensorProps)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(sensorProps);

        builder
            .AddHocon(string.Create(CultureInfo.InvariantCulture, $$"""
                akka.cluster.sharding.least-shard-allocation-strategy {
                  rebalance-absolute-limit = {{cluster.RebalanceAbsoluteLimit}}
                  rebalance-relative-limit = {{cluster.RebalanceRelativeLimit}}
                }
                """), HoconAddMode.Prepend)
            .AddHocon(SensorMailbox.Hocon, HoconAddMode.Prepend)
            // A sensor's batch and its answer cross nodes whole: a store batch of one sensor, or the readings it took
            // when a hole filled (up to its ReorderCapacity) with their verdicts, are larger than Akka's 128 kB default
            // frame, and a frame over it is dropped (measured: a 148 kB answer, the stream waited out its ask timeout).
            .WithRemoting(new RemoteOptions
            {
                HostName = cluster.Hostname,
                Port = cluster.Port,
                MaxFrameSize = MaxFrameBytes,
                SendBufferSize = 2 * MaxFrameBytes,
                ReceiveBufferSize = 2 * MaxFrameBytes,
            })
            .WithClustering(new ClusterOptions { SeedNodes = [.. cluster.SeedNodes] })
            .WithShardRegion<SensorRegion>(
                "sensor",
                sensorId => sensorProps(sensorId).WithMailbox(SensorMailbox.Id),
                new SensorMessageExtractor(cluster.NumberOfShards),
                new ShardOptions
                {
                    StateStoreMode = StateStoreMode.DData,
                    RememberEntities = false,
                    ShouldPassivateIdleEntities = true,
                    PassivateIdleEntityAfter = cluster.PassivateIdleAfter,
                });

        if (cluster.SeedNodes.Count == 0)
        {
            // Port 0 is only known once bound: join the address we actually got.
            builder.AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress));
        }

        return builder;
    }
}
