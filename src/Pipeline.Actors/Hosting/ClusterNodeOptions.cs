using Pipeline.Models.Settings;

namespace Pipeline.Actors.Hosting;

/// <summary>
/// The node's place in the Akka cluster (<c>Pipeline:Cluster</c>). With no seed nodes the node forms a one-node
/// cluster on its own; with seed nodes, several nodes share the sensors.
/// </summary>
public sealed class ClusterNodeOptions : ISettingsGroup
{
    /// <summary>Address other nodes reach this one at. Default <c>127.0.0.1</c>.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>Remoting port; 0 picks a free one (fine for a single node). Default 0.</summary>
    public int Port { get; set; }

    /// <summary>Seed nodes, e.g. <c>akka.tcp://pipeline@10.0.0.2:4053</c>. Empty: join itself.</summary>
    public List<string> SeedNodes { get; set; } = [];

    /// <summary>Shards the sensors are spread over; keep it ~10x the largest number of nodes. Default 100.</summary>
    public int NumberOfShards { get; set; } = 100;

    /// <summary>A sensor actor that received nothing for this long is stopped (it restarts on its next reading). Default 15 min.</summary>
    public TimeSpan PassivateIdleAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>At most this many shards move per rebalance round. Default 10.</summary>
    public int RebalanceAbsoluteLimit { get; set; } = 10;

    /// <summary>At most this fraction of shards move per rebalance round. Default 0.1.</summary>
    public double RebalanceRelativeLimit { get; set; } = 0.1;

    public IEnumerable<string> Problems(string section) =>
        SettingRules.Range($"{section}:Port", Port, 0, 65_535)
            .Concat(SettingRules.Range($"{section}:NumberOfShards", NumberOfShards, 1, 10_000))
            .Concat(SettingRules.Range($"{section}:RebalanceAbsoluteLimit", RebalanceAbsoluteLimit, 1, 10_000))
            .Concat(SettingRules.Positive($"{section}:PassivateIdleAfter", PassivateIdleAfter))
            .Concat(SettingRules.When(RebalanceRelativeLimit is <= 0 or > 1, $"{section}:RebalanceRelativeLimit is {RebalanceRelativeLimit}; it must be in (0, 1]"))
            .Concat(SeedNodes.Select((seed, i) => (seed, i)).Where(s => !Akka.Actor.Address.TryParse(s.seed, out _))
                .Select(s => $"{section}:SeedNodes:{s.i} '{s.seed}' is not an address like akka.tcp://pipeline@10.0.0.2:4053"));
}
