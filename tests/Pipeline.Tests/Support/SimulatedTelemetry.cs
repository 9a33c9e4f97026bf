using System.Globalization;
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
        return seq =>
        {
            var s = samples[seq - 1];
            return string.Create(CultureInfo.InvariantCulture,
                $$"""{"ts":{{start.AddSeconds(seq).ToUnixTimeMilliseconds()}},"seq":{{seq}},"flow":{{s.Flow}},"temperature":{{s.Temperature}},"pressure":{{s.Pressure}},"current":{{s.Current}}}""");
        };
    }
}
