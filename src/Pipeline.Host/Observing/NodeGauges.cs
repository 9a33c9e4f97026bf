using System.Diagnostics.Metrics;
using Pipeline.Models.Alarms;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Observing;

/// <summary>
/// What the node is now, as gauges on the meter <see cref="MeterName"/>: its broker session, its sensors, its active
/// alarms; and what it has written to the disk, which is what wears out a Pi's SD card (docs/storage.md).
/// </summary>
public sealed class NodeGauges
{
    public const string MeterName = "Pipeline.Node";

    public NodeGauges(IMeterFactory meters, NodeMqttLink link, SensorStatusBoard board, ObservedAlarms alarms, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("pipeline.mqtt.connected", () => link.Current is { IsConnected: true } ? 1 : 0,
            description: "1 while the node's MQTT session with the broker is up.");
        meter.CreateObservableGauge("pipeline.sensors.reporting", () => Reporting(board, time.GetUtcNow()),
            description: "Sensors on this node that reported within the last minute.");
        meter.CreateObservableGauge("pipeline.alarms.active", () => ActiveAlarms(alarms),
            description: "Active alarms, by type and severity.");
        meter.CreateObservableCounter("pipeline.disk.written", WrittenToDisk, unit: "By",
            description: "Bytes the node has written to the disk (the store's pages, its log and checkpoints; /proc/self/io).");
    }

    /// <summary>The kernel's count of bytes this process caused to be written to storage; none where there is no /proc.</summary>
    private static IEnumerable<Measurement<long>> WrittenToDisk()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/io");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var line = lines.FirstOrDefault(l => l.StartsWith("write_bytes:", StringComparison.Ordinal));
        return line is not null && long.TryParse(line.AsSpan("write_bytes:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var bytes)
            ? [new Measurement<long>(bytes)]
            : [];
    }

    private static int Reporting(SensorStatusBoard board, DateTimeOffset now) =>
        board.Latest.Values.Count(s => s.LastSeen is { } seen && now - seen <= TimeSpan.FromMinutes(1));

    private static IEnumerable<Measurement<int>> ActiveAlarms(ObservedAlarms alarms) =>
        alarms.Active.GroupBy(a => (a.Type, a.Severity)).Select(g => new Measurement<int>(g.Count(),
            new KeyValuePair<string, object?>("type", AlarmNames.Of(g.Key.Type)),
            new KeyValuePair<string, object?>("severity", AlarmNames.Of(g.Key.Severity))));
}
