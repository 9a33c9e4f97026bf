using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Pipeline.Models.Alarms;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Observing;

/// <summary>
/// What the node is now, as gauges on the meter <see cref="MeterName"/>: its broker session, its sensors, its active
/// alarms; what it has written to the disk, which is what wears out a Pi's SD card; and, on SQLite, how large its store
/// is and how much room is left beside it, which is what <see cref="StoreOptions.Retention"/> must fit (docs/storage.md).
/// </summary>
public sealed class NodeGauges
{
    public const string MeterName = "Pipeline.Node";

    public NodeGauges(IMeterFactory meters, NodeMqttLink link, SensorStatusBoard board, ObservedAlarms alarms, TimeProvider time, IOptions<StoreOptions> store)
    {
        ArgumentNullException.ThrowIfNull(store);
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
        if (!store.Value.IsPostgres)
        {
            var file = Path.GetFullPath(store.Value.Path);
            meter.CreateObservableGauge("pipeline.store.size", () => StoreSize(file), unit: "By",
                description: "The SQLite store's file and its write-ahead log.");
            meter.CreateObservableGauge("pipeline.store.disk.free", () => FreeBeside(file), unit: "By",
                description: "Bytes free for the node on the file system that holds the SQLite store.");
        }
    }

    private static IEnumerable<Measurement<long>> StoreSize(string file)
    {
        var log = new FileInfo(file + "-wal");
        var store = new FileInfo(file);
        return store.Exists ? [new Measurement<long>(store.Length + (log.Exists ? log.Length : 0))] : [];
    }

    private static IEnumerable<Measurement<long>> FreeBeside(string file)
    {
        try
        {
            return [new Measurement<long>(new DriveInfo(Path.GetDirectoryName(file)!).AvailableFreeSpace)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // the folder is gone: the store's own writes say so
        }
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
