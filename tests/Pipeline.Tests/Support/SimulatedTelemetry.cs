using Pipeline.Models.Simulation;
using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Support;

/// <summary>Telemetry payloads of a simulated pump, one per second of pump time, timestamped in the recent past.</summary>
public static class SimulatedTelemetry
{
    public static Func<long, string> Payloads(PumpSimulator pump, int count)
    {
        ArgumentNullException.ThrowIfNull(pump);
        var samples = Enumerable.Range(1, count).Select(i => pump.Step(TimeSpan.FromSeconds(i), TimeSpan.FromSeconds(1))!).ToArray();
        var start = DateTimeOffset.UtcNow.AddSeconds(-count - 60);
        return seq => samples[seq - 1].ToTelemetryJson(start.AddSeconds(seq).ToUnixTimeMilliseconds(), seq);
    }

    /// <summary>
    /// Each device publishes <paramref name="perDevice"/> readings of its own simulated pump at full speed; the first
    /// one leaks from half-way on (for 300 s of pump time).
    /// </summary>
    public static List<Task> PublishWithLeakOnFirst(BrokerEndpoint broker, string certsDirectory, IReadOnlyList<string> devices, int perDevice, int seed)
    {
        var leakFrom = TimeSpan.FromSeconds(perDevice / 2);
        return devices.Select((device, i) =>
        {
            var faults = i == 0 ? new[] { new FaultSpec(FaultKind.Leak, device, leakFrom, TimeSpan.FromSeconds(300)) } : [];
            var payloads = Payloads(new PumpSimulator(device, seed + i, faults), perDevice);
            return new TelemetryPublisher(broker, certsDirectory, device).PublishAsync(1, perDevice, default, payloads);
        }).ToList();
    }
}
