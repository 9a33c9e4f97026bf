using Microsoft.Data.Sqlite;
using Pipeline.Models.Sensors;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>The <c>sensors</c> table in SQLite: registrations and the latest status the sensor actors reported.</summary>
public sealed class SqliteSensorDirectory(SqliteDatabase database) : ISensorDirectory
{
    public Task RegisterSensorAsync(SensorRegistration registration, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
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
            command.Parameters.AddWithValue("$limits", SensorColumns.LimitsJson(registration.Limits));
            return command.ExecuteNonQuery();
        }, cancellation);
    }

    public Task<IReadOnlyList<SensorRegistration>> RegisteredSensorsAsync(CancellationToken cancellation) =>
        database.ReadAsync<IReadOnlyList<SensorRegistration>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT sensor_id, display_name, location, limits, registered_at FROM sensors WHERE registered_at IS NOT NULL ORDER BY sensor_id";
            using var rows = command.ExecuteReader();
            return SensorColumns.Registrations(rows);
        }, cancellation);

    public Task UpsertSensorStatusAsync(IReadOnlyCollection<SensorStatus> statuses, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        return database.WriteAsync((connection, transaction) =>
        {
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

            return statuses.Count;
        }, cancellation);
    }

    public Task RecordNodeAsync(string node, DateTimeOffset at, bool stopped, CancellationToken cancellation) =>
        database.WriteAsync((connection, transaction) =>
        {
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = SensorColumns.RecordNodeSql;
            record.Parameters.AddWithValue("@node", node);
            record.Parameters.AddWithValue("@at", at.ToUnixTimeMilliseconds());
            record.Parameters.AddWithValue("@stopped", stopped ? at.ToUnixTimeMilliseconds() : DBNull.Value);
            return record.ExecuteNonQuery();
        }, cancellation);

    public Task<int> ForgetNodesAsync(DateTimeOffset before, CancellationToken cancellation) =>
        database.WriteAsync((connection, transaction) =>
        {
            using var forget = connection.CreateCommand();
            forget.Transaction = transaction;
            forget.CommandText = SensorColumns.ForgetNodesSql;
            forget.Parameters.AddWithValue("@before", before.ToUnixTimeMilliseconds());
            return forget.ExecuteNonQuery();
        }, cancellation);

    public Task<IReadOnlyList<SensorListing>> ListSensorsAsync(CancellationToken cancellation) =>
        database.ReadAsync<IReadOnlyList<SensorListing>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = SensorColumns.ListingSql;
            using var rows = command.ExecuteReader();
            return SensorColumns.Listings(rows);
        }, cancellation);
}
