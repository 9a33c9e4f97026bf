namespace Pipeline.Models.Telemetry;

/// <summary>
/// One telemetry message of one sensor, decoded and checked. The sensor id comes from the topic, which the broker
/// has bound to the device's certificate.
/// </summary>
/// <param name="TimestampMs">When the device measured, Unix milliseconds (UTC).</param>
/// <param name="Sequence">The device's counter, +1 per reading.</param>
/// <param name="Values">Named signal values: flow (L/min), temperature (°C), pressure (bar), current (A) and any others.</param>
public sealed record Reading(string SensorId, long TimestampMs, long Sequence, IReadOnlyDictionary<string, double> Values)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs);
}
