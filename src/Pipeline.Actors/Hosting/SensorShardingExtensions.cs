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
            .WithRemoting(new RemoteOptions { HostName = cluster.Hostname, Port = cluster.Port })
            .WithClustering(new ClusterOptions { SeedNodes = [.. cluster.SeedNodes] })
            .WithShardRegion<SensorRegion>(
                "sensor",
                sensorProps,
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
