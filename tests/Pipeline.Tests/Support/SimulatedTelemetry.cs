using Pipeline.Models.Simulation;

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
}
