using System.Globalization;

namespace Pipeline.Tests.Support;

/// <summary>Test data: telemetry payloads as a device sends them.</summary>
public static class Telemetry
{
    public static string Payload(long seq, DateTimeOffset? at = null, double flow = 120.5) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"ts":{{(at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds()}},"seq":{{seq}},"flow":{{flow}},"temperature":21.3,"pressure":4.2,"current":8.5}""");

    public static Pipeline.Models.Telemetry.Reading Reading(string sensor, long seq, DateTimeOffset? at = null) => new(
        sensor,
        (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds(),
        seq,
        new Dictionary<string, double> { ["flow"] = 120.5, ["temperature"] = 21.3, ["pressure"] = 4.2, ["current"] = 8.5 });
}
