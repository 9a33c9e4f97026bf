using System.Globalization;

namespace Pipeline.Tests.Support;

/// <summary>
/// A <c>pipeline run</c> process in the shared group <c>fleet</c> of a cluster (#19): its identity, its cluster port,
/// the seed it joins, and how long and for how many readings its sensors wait for predecessors another node still holds
/// (docs/sensors.md: a site sets them to its nodes' worst lag). Cluster membership is logged, to see the node join.
/// </summary>
public static class SharedGroupNode
{
    public static NodeProcess Start(MosquittoProcess mosquitto, string certs, string store, string identity, int clusterPort, int seedPort,
        TimeSpan reorderWait, int reorderCapacity) =>
        NodeProcess.Start(["--broker", mosquitto.Endpoint.ToString(), "--certs", certs, "--store", store],
            new Dictionary<string, string>
            {
                ["Pipeline__Mqtt__Identity"] = identity,
                ["Pipeline__Mqtt__SharedGroup"] = "fleet",
                ["Pipeline__Cluster__Port"] = clusterPort.ToString(CultureInfo.InvariantCulture),
                ["Pipeline__Cluster__SeedNodes__0"] = $"akka.tcp://pipeline@127.0.0.1:{seedPort.ToString(CultureInfo.InvariantCulture)}",
                ["Serilog__MinimumLevel__Override__Akka.Cluster"] = "Information",
                ["Pipeline__SensorDefaults__ReorderWait"] = reorderWait.ToString("c", CultureInfo.InvariantCulture),
                ["Pipeline__SensorDefaults__ReorderCapacity"] = reorderCapacity.ToString(CultureInfo.InvariantCulture),
            });
}
