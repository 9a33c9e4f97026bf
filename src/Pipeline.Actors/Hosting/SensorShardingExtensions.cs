using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Sensors;

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

    /// <summary>
    /// The props factory for the region: settings from the catalog, the window from the sensor's model
    /// (<paramref name="windowOfModel"/> gets the model it is pinned to, or null for the active one).
    /// </summary>
    public static Func<string, Props> SensorProps(
        SensorCatalog catalog, Func<string?, WindowSpec> windowOfModel, IReadingHistory history, ISensorStatusBoard board)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(windowOfModel);
        return sensorId =>
        {
            var settings = catalog.For(sensorId);
            return SensorActor.Props(sensorId, settings, windowOfModel(settings.Model), history, board);
        };
    }
}
