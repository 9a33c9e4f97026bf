using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <summary>How registrations and statuses map to the <c>sensors</c> table in every provider.</summary>
internal static class SensorColumns
{
    public static string LimitsJson(IReadOnlyDictionary<string, SignalBounds> limits)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (signal, bounds) in limits)
            {
                json.WriteStartObject(signal);
                json.WriteNumber("min", bounds.Min);
                json.WriteNumber("max", bounds.Max);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Dictionary<string, SignalBounds> ParseLimits(string? json)
    {
        var limits = new Dictionary<string, SignalBounds>(StringComparer.Ordinal);
        if (json is null)
        {
            return limits;
        }

        using var document = JsonDocument.Parse(json);
        foreach (var signal in document.RootElement.EnumerateObject())
        {
            limits[signal.Name] = new SignalBounds(signal.Value.GetProperty("min").GetDouble(), signal.Value.GetProperty("max").GetDouble());
        }

        return limits;
    }

    /// <summary>Rows of (sensor_id, display_name, location, limits, registered_at).</summary>
    public static List<SensorRegistration> Registrations(DbDataReader rows)
    {
        var registrations = new List<SensorRegistration>();
        while (rows.Read())
        {
            registrations.Add(new SensorRegistration(
                rows.GetString(0),
                rows.IsDBNull(1) ? null : rows.GetString(1),
                rows.IsDBNull(2) ? null : rows.GetString(2),
                ParseLimits(rows.IsDBNull(3) ? null : rows.GetString(3)),
                DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(4))));
        }

        return registrations;
    }

    /// <summary>
    /// The sensors and the times of the node that last wrote each one's status, in <see cref="SensorListing"/>'s
    /// order.
    /// </summary>
    public const string ListingSql =
        """
        SELECT s.sensor_id, s.display_name, s.location, s.registered_at, s.last_seen, s.last_seq, s.window_fill, s.window_length,
               s.health, s.node, s.duplicates, s.out_of_order, s.gaps, n.seen_at, n.stopped_at
        FROM sensors s LEFT JOIN nodes n ON n.node = s.node ORDER BY s.sensor_id
        """;

    /// <summary>The node's row (parameters <c>@node</c>, <c>@at</c>, <c>@stopped</c>: null while it runs).</summary>
    public const string RecordNodeSql =
        """
        INSERT INTO nodes (node, seen_at, stopped_at) VALUES (@node, @at, @stopped)
        ON CONFLICT (node) DO UPDATE SET seen_at = excluded.seen_at, stopped_at = excluded.stopped_at
        """;

    /// <summary>Rows of nodes not seen since <c>@before</c> that no sensor names.</summary>
    public const string ForgetNodesSql =
        "DELETE FROM nodes WHERE seen_at < @before AND node NOT IN (SELECT node FROM sensors WHERE node IS NOT NULL)";

    /// <summary>Rows of <see cref="ListingSql"/>.</summary>
    public static List<SensorListing> Listings(DbDataReader rows)
    {
        DateTimeOffset? Time(int i) => rows.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(i));
        string? Text(int i) => rows.IsDBNull(i) ? null : rows.GetString(i);
        var sensors = new List<SensorListing>();
        while (rows.Read())
        {
            sensors.Add(new SensorListing(
                rows.GetString(0), Text(1), Text(2), Time(3), Time(4),
                rows.IsDBNull(5) ? null : rows.GetInt64(5),
                rows.IsDBNull(6) ? 0 : rows.GetInt32(6),
                rows.IsDBNull(7) ? 0 : rows.GetInt32(7),
                Text(8), Text(9),
                rows.IsDBNull(10) ? 0 : rows.GetInt64(10),
                rows.IsDBNull(11) ? 0 : rows.GetInt64(11),
                rows.IsDBNull(12) ? 0 : rows.GetInt64(12),
                Time(13), Time(14)));
        }

        return sensors;
    }
}
