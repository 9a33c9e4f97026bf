using Npgsql;
using NpgsqlTypes;
using Pipeline.Models.Data;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing.Postgres;

/// <summary>
/// The <c>readings</c> and <c>rejects</c> tables in PostgreSQL. A batch is one statement (<c>unnest</c> of column
/// arrays, <c>ON CONFLICT DO NOTHING RETURNING</c>): one round trip however many readings, and the ones another node
/// or a redelivery stored already come back as duplicates.
/// </summary>
public sealed class PostgresReadingStore(PostgresDatabase database) : IReadingStore
{
    public Task<StoreWriteResult> WriteAsync(IReadOnlyList<Reading> readings, IReadOnlyList<RejectedMessage> rejects, DateTimeOffset receivedAt, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(rejects);
        return database.WriteAsync(async (connection, transaction) =>
        {
            var inserted = readings.Count == 0 ? [] : await InsertReadingsAsync(connection, transaction, readings, receivedAt, cancellation).ConfigureAwait(false);
            var refused = inserted.Count == readings.Count ? [] : await ReusedAsync(connection, transaction, readings, inserted, receivedAt, cancellation).ConfigureAwait(false);
            if (rejects.Count + refused.Count > 0)
            {
                await InsertRejectsAsync(connection, transaction, [.. rejects, .. refused.Select(r => r.Reject)], cancellation).ConfigureAwait(false);
            }

            return new StoreWriteResult(inserted, readings.Count - inserted.Count - refused.Count, rejects.Count + refused.Count, refused);
        }, cancellation);
    }

    public Task<IReadOnlyList<Reading>> FromAsync(string sensorId, long fromSequence, int count, CancellationToken cancellation) =>
        ReadRangeAsync(sensorId, "seq >= @bound ORDER BY seq", fromSequence, count, newestFirst: false, cancellation);

    public Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation) =>
        ReadRangeAsync(sensorId, "seq < @bound ORDER BY seq DESC", beforeSequence ?? long.MaxValue, count, newestFirst: true, cancellation);

    /// <summary>At most <paramref name="count"/> of one sensor's readings on one side of <paramref name="bound"/>, oldest first.</summary>
    private Task<IReadOnlyList<Reading>> ReadRangeAsync(string sensorId, string rangeAndOrder, long bound, int count, bool newestFirst, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(sensorId);
        return database.ReadAsync<IReadOnlyList<Reading>>(async connection =>
        {
            await using var command = new NpgsqlCommand(
                $"SELECT seq, ts, flow, temperature, pressure, current, extra FROM readings WHERE sensor_id = @sensor AND {rangeAndOrder} LIMIT @count", connection);
            command.Parameters.AddWithValue("sensor", sensorId);
            command.Parameters.AddWithValue("bound", bound);
            command.Parameters.AddWithValue("count", count);
            await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            var readings = new List<Reading>();
            while (await rows.ReadAsync(cancellation).ConfigureAwait(false))
            {
                readings.Add(ReadingColumns.Read(rows, sensorId));
            }

            if (newestFirst)
            {
                readings.Reverse();
            }

            return readings;
        }, cancellation);
    }

    public Task<SignalTable> ReadSignalTableAsync(string? sensorId, DateTimeOffset? measuredFrom, DateTimeOffset? measuredUntil, CancellationToken cancellation) =>
        database.ReadAsync(async connection =>
        {
            // One snapshot for every read: the nodes store readings and their verdicts meanwhile.
            await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellation).ConfigureAwait(false);
            var sensors = sensorId is null ? await RowsAsync(connection, ReadingColumns.SensorsSql, null, r => r.GetString(0), cancellation).ConfigureAwait(false) : [sensorId];
            var tables = new List<(string, SignalTable)>(sensors.Count);
            foreach (var sensor in sensors)
            {
                tables.Add((sensor, await SensorTableAsync(connection, sensor, measuredFrom, measuredUntil, cancellation).ConfigureAwait(false)));
            }

            return ReadingColumns.OfSensors(tables);
        }, cancellation);

    /// <summary>One sensor's readings as training data, labelled where the nodes found them not normal.</summary>
    private static async Task<SignalTable> SensorTableAsync(NpgsqlConnection connection, string sensorId, DateTimeOffset? measuredFrom, DateTimeOffset? measuredUntil, CancellationToken cancellation)
    {
        var notNormal = NotNormal.From(
            await RowsAsync(connection, NotNormal.WindowsSql, sensorId, r => (r.GetInt64(0), r.GetInt64(1)), cancellation).ConfigureAwait(false),
            await RowsAsync(connection, NotNormal.HealthAlarmsSql, sensorId, r => (r.GetString(0), r.GetString(1), r.GetInt64(2)), cancellation).ConfigureAwait(false));
        await using var command = new NpgsqlCommand(ReadingColumns.TrainingRowsSql, connection);
        command.Parameters.AddWithValue("sensor", sensorId);
        command.Parameters.AddWithValue("from", measuredFrom?.ToUnixTimeMilliseconds() ?? long.MinValue);
        command.Parameters.AddWithValue("to", measuredUntil?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        return ReadingColumns.ToSignalTable(rows, notNormal);
    }

    /// <summary>Every row of <paramref name="sql"/>, for <paramref name="sensorId"/> where given (its one parameter, <c>@sensor</c>).</summary>
    private static async Task<List<T>> RowsAsync<T>(NpgsqlConnection connection, string sql, string? sensorId, Func<NpgsqlDataReader, T> read, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (sensorId is not null)
        {
            command.Parameters.AddWithValue("sensor", sensorId);
        }

        await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        var found = new List<T>();
        while (await rows.ReadAsync(cancellation).ConfigureAwait(false))
        {
            found.Add(read(rows));
        }

        return found;
    }

    public Task<DateTimeOffset?> NewestMeasuredAtAsync(CancellationToken cancellation) =>
        database.ReadAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT max(ts) FROM readings", connection);
            return await command.ExecuteScalarAsync(cancellation).ConfigureAwait(false) is long ts ? DateTimeOffset.FromUnixTimeMilliseconds(ts) : (DateTimeOffset?)null;
        }, cancellation);

    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellation) =>
        await database.DeleteOlderThanAsync("readings", "ts", cutoff, cancellation).ConfigureAwait(false)
        + await database.DeleteOlderThanAsync("rejects", "received_at", cutoff, cancellation).ConfigureAwait(false);

    private static async Task<List<Reading>> InsertReadingsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Reading> readings, DateTimeOffset receivedAt, CancellationToken cancellation)
    {
        double? Signal(Reading reading, string name) => reading.Values.TryGetValue(name, out var value) ? value : null;
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO readings (sensor_id, seq, ts, received_at, flow, temperature, pressure, current, extra)
            SELECT s, q, t, @received, f, te, p, c, x
            FROM unnest(@sensor, @seq, @ts, @flow, @temperature, @pressure, @current, @extra) AS r(s, q, t, f, te, p, c, x)
            ON CONFLICT (sensor_id, seq) DO NOTHING
            RETURNING sensor_id, seq
            """, connection, transaction);
        insert.Parameters.AddWithValue("received", receivedAt.ToUnixTimeMilliseconds());
        insert.Parameters.Add(new NpgsqlParameter<string[]>("sensor", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. readings.Select(r => r.SensorId)] });
        insert.Parameters.Add(new NpgsqlParameter<long[]>("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. readings.Select(r => r.Sequence)] });
        insert.Parameters.Add(new NpgsqlParameter<long[]>("ts", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. readings.Select(r => r.TimestampMs)] });
        foreach (var signal in Signals.Standard)
        {
            insert.Parameters.Add(new NpgsqlParameter<double?[]>(signal, NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = [.. readings.Select(r => Signal(r, signal))] });
        }

        insert.Parameters.Add(new NpgsqlParameter<string?[]>("extra", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. readings.Select(ReadingColumns.ExtraJson)] });
        var stored = new HashSet<(string, long)>();
        await using (var rows = await insert.ExecuteReaderAsync(cancellation).ConfigureAwait(false))
        {
            while (await rows.ReadAsync(cancellation).ConfigureAwait(false))
            {
                stored.Add((rows.GetString(0), rows.GetInt64(1)));
            }
        }

        // In the batch's order; a reading twice in one batch is stored (and counted) once.
        var inserted = new List<Reading>(stored.Count);
        foreach (var reading in readings)
        {
            if (stored.Remove((reading.SensorId, reading.Sequence)))
            {
                inserted.Add(reading);
            }
        }

        return inserted;
    }

    /// <summary>
    /// Of the readings not inserted, those whose sequence number is stored with another measurement time (a device's
    /// counter that went back), as rejects; the rest are redeliveries. One query for the batch.
    /// </summary>
    private static async Task<List<(Reading Reading, RejectedMessage Reject)>> ReusedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Reading> readings, List<Reading> inserted, DateTimeOffset receivedAt, CancellationToken cancellation)
    {
        var stored = inserted.ToHashSet(ReferenceEqualityComparer.Instance);
        var others = readings.Where(r => !stored.Contains(r)).ToList();
        await using var query = new NpgsqlCommand(
            "SELECT r.sensor_id, r.seq, r.ts FROM readings r JOIN unnest(@sensor, @seq) AS k(s, q) ON r.sensor_id = k.s AND r.seq = k.q", connection, transaction);
        query.Parameters.Add(new NpgsqlParameter<string[]>("sensor", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. others.Select(r => r.SensorId)] });
        query.Parameters.Add(new NpgsqlParameter<long[]>("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. others.Select(r => r.Sequence)] });
        var measured = new Dictionary<(string, long), long>();
        await using (var rows = await query.ExecuteReaderAsync(cancellation).ConfigureAwait(false))
        {
            while (await rows.ReadAsync(cancellation).ConfigureAwait(false))
            {
                measured[(rows.GetString(0), rows.GetInt64(1))] = rows.GetInt64(2);
            }
        }

        return [.. others
            .Where(r => measured.TryGetValue((r.SensorId, r.Sequence), out var at) && at != r.TimestampMs)
            .Select(r => (r, ReadingColumns.Reused(r, measured[(r.SensorId, r.Sequence)], receivedAt)))];
    }

    private static async Task InsertRejectsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<RejectedMessage> rejects, CancellationToken cancellation)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var message in rejects)
        {
            var reject = new NpgsqlBatchCommand("INSERT INTO rejects (received_at, topic, reason, detail, payload) VALUES ($1, $2, $3, $4, $5)");
            reject.Parameters.Add(new NpgsqlParameter<long> { TypedValue = message.ReceivedAt.ToUnixTimeMilliseconds() });
            reject.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Topic });
            reject.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Reason.ToString() });
            reject.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Detail });
            reject.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = message.Payload.ToArray() });
            batch.BatchCommands.Add(reject);
        }

        await batch.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
    }
}
