namespace Pipeline.Actors.Hosting;

/// <summary>
/// The node's place in the Akka cluster (<c>Pipeline:Cluster</c>). With no seed nodes the node forms a one-node
/// cluster on its own; with seed nodes, several nodes share the sensors.
/// </summary>
public sealed class ClusterNodeOptions
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
}
