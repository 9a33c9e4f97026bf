using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <summary>The <c>sensors</c> table: registrations, and the status the sensor actors report.</summary>
public sealed partial class SqliteStore
{
    /// <summary>Registers (or re-registers) a sensor; its status columns are kept.</summary>
    public Task RegisterSensorAsync(SensorRegistration registration, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText =
                """
                INSERT INTO sensors (sensor_id, registered_at, display_name, location, limits)
                VALUES ($id, $at, $name, $location, $limits)
                ON CONFLICT (sensor_id) DO UPDATE SET registered_at = excluded.registered_at,
                    display_name = excluded.display_name, location = excluded.location, limits = excluded.limits
                """;
            command.Parameters.AddWithValue("$id", registration.SensorId);
            command.Parameters.AddWithValue("$at", registration.RegisteredAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$name", (object?)registration.DisplayName ?? DBNull.Value);
            command.Parameters.AddWithValue("$location", (object?)registration.Location ?? DBNull.Value);
            command.Parameters.AddWithValue("$limits", LimitsJson(registration.Limits));
            return command.ExecuteNonQuery();
        }, cancellation);
    }

    /// <summary>Every registered sensor.</summary>
    public IReadOnlyList<SensorRegistration> RegisteredSensors()
    {
        using var reader = OpenReader();
        using var command = reader.CreateCommand();
        command.CommandText = "SELECT sensor_id, display_name, location, limits, registered_at FROM sensors WHERE registered_at IS NOT NULL ORDER BY sensor_id";
        using var rows = command.ExecuteReader();
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

    /// <summary>Writes the latest status of each sensor in one transaction.</summary>
    public Task UpsertSensorStatusAsync(IReadOnlyCollection<SensorStatus> statuses, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        return WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText =
                """
                INSERT INTO sensors (sensor_id, last_seen, last_seq, window_fill, window_length, health, node, duplicates, out_of_order, gaps, updated_at)
                VALUES ($id, $seen, $seq, $fill, $length, $health, $node, $duplicates, $outOfOrder, $gaps, $updated)
                ON CONFLICT (sensor_id) DO UPDATE SET last_seen = excluded.last_seen, last_seq = excluded.last_seq,
                    window_fill = excluded.window_fill, window_length = excluded.window_length, health = excluded.health,
                    node = excluded.node, duplicates = excluded.duplicates, out_of_order = excluded.out_of_order,
                    gaps = excluded.gaps, updated_at = excluded.updated_at
                """;
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var seen = command.Parameters.Add("$seen", SqliteType.Integer);
            var seq = command.Parameters.Add("$seq", SqliteType.Integer);
            var fill = command.Parameters.Add("$fill", SqliteType.Integer);
            var length = command.Parameters.Add("$length", SqliteType.Integer);
            var health = command.Parameters.Add("$health", SqliteType.Text);
            var node = command.Parameters.Add("$node", SqliteType.Text);
            var duplicates = command.Parameters.Add("$duplicates", SqliteType.Integer);
            var outOfOrder = command.Parameters.Add("$outOfOrder", SqliteType.Integer);
            var gaps = command.Parameters.Add("$gaps", SqliteType.Integer);
            var updated = command.Parameters.Add("$updated", SqliteType.Integer);
            foreach (var status in statuses)
            {
                id.Value = status.SensorId;
                seen.Value = status.LastSeen?.ToUnixTimeMilliseconds() ?? (object)DBNull.Value;
                seq.Value = status.LastSequence ?? (object)DBNull.Value;
                fill.Value = status.WindowFill;
                length.Value = status.WindowLength;
                health.Value = status.Health;
                node.Value = status.Node;
                duplicates.Value = status.Duplicates;
                outOfOrder.Value = status.OutOfOrder;
                gaps.Value = status.Gaps;
                updated.Value = status.UpdatedAt.ToUnixTimeMilliseconds();
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            return statuses.Count;
        }, cancellation);
    }

    /// <summary>Registered and seen sensors, for <c>pipeline sensors list</c>.</summary>
    public IReadOnlyList<SensorListing> ListSensors()
    {
        using var reader = OpenReader();
        using var command = reader.CreateCommand();
        command.CommandText =
            """
            SELECT sensor_id, display_name, location, registered_at, last_seen, last_seq, window_fill, window_length, health, node
            FROM sensors ORDER BY sensor_id
            """;
        using var rows = command.ExecuteReader();
        var sensors = new List<SensorListing>();
        while (rows.Read())
        {
            sensors.Add(new SensorListing(
                rows.GetString(0),
                rows.IsDBNull(1) ? null : rows.GetString(1),
                rows.IsDBNull(2) ? null : rows.GetString(2),
                rows.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(3)),
                rows.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(4)),
                rows.IsDBNull(5) ? null : rows.GetInt64(5),
                rows.IsDBNull(6) ? 0 : rows.GetInt32(6),
                rows.IsDBNull(7) ? 0 : rows.GetInt32(7),
                rows.IsDBNull(8) ? null : rows.GetString(8),
                rows.IsDBNull(9) ? null : rows.GetString(9)));
        }

        return sensors;
    }

    private static string LimitsJson(IReadOnlyDictionary<string, SignalBounds> limits)
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

    private static Dictionary<string, SignalBounds> ParseLimits(string? json)
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
}

/// <summary>One row of <c>pipeline sensors list</c>.</summary>
public sealed record SensorListing(
    string SensorId,
    string? DisplayName,
    string? Location,
    DateTimeOffset? RegisteredAt,
    DateTimeOffset? LastSeen,
    long? LastSequence,
    int WindowFill,
    int WindowLength,
    string? Health,
    string? Node);
