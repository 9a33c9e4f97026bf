using Npgsql;
using Pipeline.Models.Sensors;

namespace Pipeline.Streams.Storing.Postgres;

/// <summary>The <c>sensors</c> table in PostgreSQL: registrations and the latest status each sensor's actor reported, from whichever node.</summary>
public sealed class PostgresSensorDirectory(PostgresDatabase database) : ISensorDirectory
{
    public Task RegisterSensorAsync(SensorRegistration registration, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO sensors (sensor_id, registered_at, display_name, location, limits)
                VALUES (@id, @at, @name, @location, @limits)
                ON CONFLICT (sensor_id) DO UPDATE SET registered_at = excluded.registered_at,
                    display_name = excluded.display_name, location = excluded.location, limits = excluded.limits
                """, connection, transaction);
            command.Parameters.AddWithValue("id", registration.SensorId);
            command.Parameters.AddWithValue("at", registration.RegisteredAt.ToUnixTimeMilliseconds());
            command.Parameters.Add(new NpgsqlParameter<string?>("name", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = registration.DisplayName });
            command.Parameters.Add(new NpgsqlParameter<string?>("location", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = registration.Location });
            command.Parameters.AddWithValue("limits", SensorColumns.LimitsJson(registration.Limits));
            return await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }, cancellation);
    }

    public Task<IReadOnlyList<SensorRegistration>> RegisteredSensorsAsync(CancellationToken cancellation) =>
        database.ReadAsync<IReadOnlyList<SensorRegistration>>(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT sensor_id, display_name, location, limits, registered_at FROM sensors WHERE registered_at IS NOT NULL ORDER BY sensor_id", connection);
            await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            return SensorColumns.Registrations(rows);
        }, cancellation);

    public Task UpsertSensorStatusAsync(IReadOnlyCollection<SensorStatus> statuses, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        if (statuses.Count == 0)
        {
            return Task.CompletedTask;
        }

        return database.WriteAsync(async (connection, transaction) =>
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var status in statuses)
            {
                var upsert = new NpgsqlBatchCommand(
                    """
                    INSERT INTO sensors (sensor_id, last_seen, last_seq, window_fill, window_length, health, node, duplicates, out_of_order, gaps, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                    ON CONFLICT (sensor_id) DO UPDATE SET last_seen = excluded.last_seen, last_seq = excluded.last_seq,
                        window_fill = excluded.window_fill, window_length = excluded.window_length, health = excluded.health,
                        node = excluded.node, duplicates = excluded.duplicates, out_of_order = excluded.out_of_order,
                        gaps = excluded.gaps, updated_at = excluded.updated_at
                    """);
                upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status.SensorId });
                upsert.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = status.LastSeen?.ToUnixTimeMilliseconds() });
                upsert.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = status.LastSequence });
                upsert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = status.WindowFill });
                upsert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = status.WindowLength });
                upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status.Health });
                upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status.Node });
                upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = status.Duplicates });
                upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = status.OutOfOrder });
                upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = status.Gaps });
                upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = status.UpdatedAt.ToUnixTimeMilliseconds() });
                batch.BatchCommands.Add(upsert);
            }

            return await batch.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }, cancellation);
    }

    public Task RecordNodeAsync(string node, DateTimeOffset at, bool stopped, CancellationToken cancellation) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var record = new NpgsqlCommand(SensorColumns.RecordNodeSql, connection, transaction);
            record.Parameters.AddWithValue("node", node);
            record.Parameters.AddWithValue("at", at.ToUnixTimeMilliseconds());
            record.Parameters.Add(new NpgsqlParameter<long?>("stopped", NpgsqlTypes.NpgsqlDbType.Bigint) { TypedValue = stopped ? at.ToUnixTimeMilliseconds() : null });
            return await record.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }, cancellation);

    public Task<int> ForgetNodesAsync(DateTimeOffset before, CancellationToken cancellation) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var forget = new NpgsqlCommand(SensorColumns.ForgetNodesSql, connection, transaction);
            forget.Parameters.AddWithValue("before", before.ToUnixTimeMilliseconds());
            return await forget.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }, cancellation);

    public Task<IReadOnlyList<SensorListing>> ListSensorsAsync(CancellationToken cancellation) =>
        database.ReadAsync<IReadOnlyList<SensorListing>>(async connection =>
        {
            await using var command = new NpgsqlCommand(SensorColumns.ListingSql, connection);
            await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            return SensorColumns.Listings(rows);
        }, cancellation);
}
