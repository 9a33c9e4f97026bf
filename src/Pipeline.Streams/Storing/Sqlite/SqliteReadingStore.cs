using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Models.Data;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// The <c>readings</c> and <c>rejects</c> tables in SQLite: the four standard signals in columns, any others as a JSON
/// object in <c>extra</c>; unique on sensor and sequence, so a redelivered reading is kept once.
/// </summary>
public sealed class SqliteReadingStore(SqliteDatabase database) : IReadingStore
{
    public Task<StoreWriteResult> WriteAsync(IReadOnlyList<Reading> readings, IReadOnlyList<RejectedMessage> rejects, DateTimeOffset receivedAt, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(rejects);
        return database.WriteRowsAsync(connection =>
        {
            var refused = new List<(Reading, RejectedMessage)>();
            var inserted = readings.Count == 0 ? [] : InsertReadings(readings, receivedAt, refused);
            if (rejects.Count + refused.Count > 0)
            {
                InsertRejects(connection, [.. rejects, .. refused.Select(r => r.Item2)]);
            }

            return new StoreWriteResult(inserted, readings.Count - inserted.Count - refused.Count, rejects.Count + refused.Count, refused);
        }, cancellation);
    }

    public Task<IReadOnlyList<Reading>> FromAsync(string sensorId, long fromSequence, int count, CancellationToken cancellation) =>
        ReadRangeAsync(sensorId, "seq >= $bound ORDER BY seq", fromSequence, count, newestFirst: false, cancellation);

    public Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation) =>
        ReadRangeAsync(sensorId, "seq < $bound ORDER BY seq DESC", beforeSequence ?? long.MaxValue, count, newestFirst: true, cancellation);

    /// <summary>At most <paramref name="count"/> of one sensor's readings on one side of <paramref name="bound"/>, oldest first.</summary>
    private Task<IReadOnlyList<Reading>> ReadRangeAsync(string sensorId, string rangeAndOrder, long bound, int count, bool newestFirst, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(sensorId);
        return database.ReadAsync<IReadOnlyList<Reading>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT seq, ts, flow, temperature, pressure, current, extra FROM readings WHERE sensor_id = $sensor AND {rangeAndOrder} LIMIT $count";
            command.Parameters.AddWithValue("$sensor", sensorId);
            command.Parameters.AddWithValue("$bound", bound);
            command.Parameters.AddWithValue("$count", count);
            using var rows = command.ExecuteReader();
            var readings = new List<Reading>();
            while (rows.Read())
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
        database.ReadAsync(connection =>
        {
            // One snapshot for every read: a running node stores readings and their verdicts meanwhile.
            using var snapshot = connection.BeginTransaction(deferred: true);
            var sensors = sensorId is null ? Rows(snapshot, ReadingColumns.SensorsSql, null, r => r.GetString(0)) : [sensorId];
            return ReadingColumns.OfSensors([.. sensors.Select(sensor => (sensor, SensorTable(snapshot, sensor, measuredFrom, measuredUntil)))]);
        }, cancellation);

    /// <summary>One sensor's readings as training data, labelled where the node found them not normal.</summary>
    private static SignalTable SensorTable(SqliteTransaction snapshot, string sensorId, DateTimeOffset? measuredFrom, DateTimeOffset? measuredUntil)
    {
        var notNormal = NotNormal.From(
            Rows(snapshot, NotNormal.WindowsSql, sensorId, r => (r.GetInt64(0), r.GetInt64(1))),
            Rows(snapshot, NotNormal.HealthAlarmsSql, sensorId, r => (r.GetString(0), r.GetString(1), r.GetInt64(2))));
        using var command = snapshot.Connection!.CreateCommand();
        command.Transaction = snapshot;
        command.CommandText = ReadingColumns.TrainingRowsSql;
        command.Parameters.AddWithValue("@sensor", sensorId);
        command.Parameters.AddWithValue("@from", measuredFrom?.ToUnixTimeMilliseconds() ?? long.MinValue);
        command.Parameters.AddWithValue("@to", measuredUntil?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        using var rows = command.ExecuteReader();
        return ReadingColumns.ToSignalTable(rows, notNormal);
    }

    /// <summary>Every row of <paramref name="sql"/>, for <paramref name="sensorId"/> where given (its one parameter, <c>@sensor</c>).</summary>
    private static List<T> Rows<T>(SqliteTransaction snapshot, string sql, string? sensorId, Func<SqliteDataReader, T> read)
    {
        using var command = snapshot.Connection!.CreateCommand();
        command.Transaction = snapshot;
        command.CommandText = sql;
        if (sensorId is not null)
        {
            command.Parameters.AddWithValue("@sensor", sensorId);
        }

        using var rows = command.ExecuteReader();
        var found = new List<T>();
        while (rows.Read())
        {
            found.Add(read(rows));
        }

        return found;
    }

    /// <summary>The newest <c>ts</c> among the last 1,000 readings stored: the table has no time index, and rows are stored in time order but for a late backlog.</summary>
    public Task<DateTimeOffset?> NewestMeasuredAtAsync(CancellationToken cancellation) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT max(ts) FROM (SELECT ts FROM readings ORDER BY id DESC LIMIT 1000)";
            return command.ExecuteScalar() is long ts ? DateTimeOffset.FromUnixTimeMilliseconds(ts) : (DateTimeOffset?)null;
        }, cancellation);

    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellation) =>
        await database.DeleteOlderThanAsync("readings", "ts", cutoff, now, cancellation).ConfigureAwait(false)
        + await database.DeleteOlderThanAsync("rejects", "received_at", cutoff, now, cancellation).ConfigureAwait(false);

    /// <summary>
    /// Inserts the readings not stored yet, inside the transaction the writer began; returns the new ones. A reading whose
    /// sequence number is stored with another measurement time goes to <paramref name="refused"/>.
    /// </summary>
    private List<Reading> InsertReadings(IReadOnlyList<Reading> readings, DateTimeOffset receivedAt, List<(Reading, RejectedMessage)> refused)
    {
        var inserted = new List<Reading>(readings.Count);
        var insert = database.Prepared(
            """
            INSERT INTO readings (sensor_id, seq, ts, received_at, flow, temperature, pressure, current, extra)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            ON CONFLICT (sensor_id, seq) DO NOTHING
            """);
        insert.Integer(4, receivedAt.ToUnixTimeMilliseconds());
        foreach (var reading in readings)
        {
            insert.Text(1, reading.SensorId);
            insert.Integer(2, reading.Sequence);
            insert.Integer(3, reading.TimestampMs);
            for (var i = 0; i < Signals.Standard.Count; i++) // the columns flow .. current, in Signals.Standard's order
            {
                if (reading.Values.TryGetValue(Signals.Standard[i], out var value))
                {
                    insert.Real(5 + i, value);
                }
                else
                {
                    insert.Null(5 + i);
                }
            }

            insert.Text(9, ReadingColumns.ExtraJson(reading));
            if (insert.Run() == 1)
            {
                inserted.Add(reading);
            }
            else if (StoredAt(reading) is { } storedMs && storedMs != reading.TimestampMs)
            {
                refused.Add((reading, ReadingColumns.Reused(reading, storedMs, receivedAt)));
            }
        }

        return inserted;
    }

    /// <summary>When the stored reading of the same sensor and sequence was measured; asked only of a reading that was not inserted.</summary>
    private long? StoredAt(Reading reading)
    {
        var stored = database.Prepared("SELECT ts FROM readings WHERE sensor_id = ?1 AND seq = ?2");
        stored.Text(1, reading.SensorId);
        stored.Integer(2, reading.Sequence);
        return stored.Scalar();
    }

    private static void InsertRejects(SqliteConnection connection, IReadOnlyList<RejectedMessage> rejects)
    {
        using var reject = connection.CreateCommand();
        reject.CommandText = "INSERT INTO rejects (received_at, topic, reason, detail, payload) VALUES ($received, $topic, $reason, $detail, $payload)";
        var received = reject.Parameters.Add("$received", SqliteType.Integer);
        var topic = reject.Parameters.Add("$topic", SqliteType.Text);
        var reason = reject.Parameters.Add("$reason", SqliteType.Text);
        var detail = reject.Parameters.Add("$detail", SqliteType.Text);
        var payload = reject.Parameters.Add("$payload", SqliteType.Blob);
        foreach (var message in rejects)
        {
            received.Value = message.ReceivedAt.ToUnixTimeMilliseconds();
            topic.Value = message.Topic;
            reason.Value = message.Reason.ToString();
            detail.Value = message.Detail;
            payload.Value = message.Payload.ToArray();
            reject.ExecuteNonQuery();
        }
    }
}
