using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with a single writer connection. Readings and rejects are written
/// in batched transactions; a reading stored before (same sensor and sequence — a redelivery) is kept once.
/// A commit is synced to disk before it returns (<c>synchronous=FULL</c>): the node acknowledges a reading to the
/// broker only after this, so a power cut must not take back a stored reading.
/// </summary>
public sealed partial class SqliteStore : IReadingHistory, IDisposable
{
    private static readonly HashSet<string> Columns = new(Signals.Standard, StringComparer.Ordinal);

    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly StoreOptions _options;

    private SqliteStore(StoreOptions options, SqliteConnection writer)
    {
        _options = options;
        _writer = writer;
    }

    public string Path => _options.Path;

    /// <summary>Opens (creating if needed) the database and brings its schema up to date.</summary>
    public static SqliteStore Open(StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(ConnectionString(options, SqliteOpenMode.ReadWriteCreate));
        connection.Open();
        try
        {
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
            StoreSchema.Migrate(connection);
            return new SqliteStore(options, connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A separate connection for reading while the writer works (WAL lets readers and one writer overlap).</summary>
    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(ConnectionString(_options, SqliteOpenMode.ReadOnly));
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Writes a batch in one transaction. A lock held by another process beyond the busy timeout is waited out
    /// (with backoff) rather than failing the batch: the stream behind it simply waits, which is the backpressure.
    /// </summary>
    public async Task<StoreWriteResult> WriteAsync(IReadOnlyList<Reading> readings, IReadOnlyList<RejectedMessage> rejects, DateTimeOffset receivedAt, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(rejects);
        await _writeGate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var delay = TimeSpan.FromMilliseconds(50);
            while (true)
            {
                try
                {
                    // SQLite calls block; keep them off the stream's dispatcher threads.
                    return await Task.Run(() => WriteBatch(readings, rejects, receivedAt), cancellation).ConfigureAwait(false);
                }
                catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED)
                {
                    await Task.Delay(delay, cancellation).ConfigureAwait(false);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Runs <paramref name="write"/> on the writer connection, alone, off the caller's thread.</summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, T> write, CancellationToken cancellation)
    {
        await _writeGate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => write(_writer), cancellation).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Deletes readings and rejects older than <paramref name="cutoff"/>, in small chunks so writers are not held up.</summary>
    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellation)
    {
        var limit = cutoff.ToUnixTimeMilliseconds();
        long deleted = 0;
        foreach (var sql in new[]
                 {
                     "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE ts < $cutoff LIMIT 5000)",
                     "DELETE FROM rejects WHERE id IN (SELECT id FROM rejects WHERE received_at < $cutoff LIMIT 5000)",
                 })
        {
            int chunk;
            do
            {
                await _writeGate.WaitAsync(cancellation).ConfigureAwait(false);
                try
                {
                    using var command = _writer.CreateCommand();
                    command.CommandText = sql;
                    command.Parameters.AddWithValue("$cutoff", limit);
                    chunk = command.ExecuteNonQuery();
                }
                finally
                {
                    _writeGate.Release();
                }

                deleted += chunk;
            }
            while (chunk > 0 && !cancellation.IsCancellationRequested);
        }

        return deleted;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(sensorId);
        return Task.Run<IReadOnlyList<Reading>>(() =>
        {
            using var reader = OpenReader();
            using var command = reader.CreateCommand();
            command.CommandText =
                """
                SELECT seq, ts, flow, temperature, pressure, current, extra FROM readings
                WHERE sensor_id = $sensor AND seq < $before ORDER BY seq DESC LIMIT $count
                """;
            command.Parameters.AddWithValue("$sensor", sensorId);
            command.Parameters.AddWithValue("$before", beforeSequence ?? long.MaxValue);
            command.Parameters.AddWithValue("$count", count);
            using var rows = command.ExecuteReader();
            var readings = new List<Reading>(count);
            while (rows.Read())
            {
                var values = new Dictionary<string, double>(4, StringComparer.Ordinal);
                for (var i = 0; i < Signals.Standard.Count; i++)
                {
                    if (!rows.IsDBNull(2 + i))
                    {
                        values[Signals.Standard[i]] = rows.GetDouble(2 + i);
                    }
                }

                if (!rows.IsDBNull(6))
                {
                    using var extra = JsonDocument.Parse(rows.GetString(6));
                    foreach (var property in extra.RootElement.EnumerateObject())
                    {
                        values[property.Name] = property.Value.GetDouble();
                    }
                }

                readings.Add(new Reading(sensorId, rows.GetInt64(1), rows.GetInt64(0), values));
            }

            readings.Reverse();
            return readings;
        }, cancellation);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _writeGate.Dispose();
    }

    private StoreWriteResult WriteBatch(IReadOnlyList<Reading> readings, IReadOnlyList<RejectedMessage> rejects, DateTimeOffset receivedAt)
    {
        using var transaction = _writer.BeginTransaction(deferred: false);
        var inserted = new List<Reading>(readings.Count);
        if (readings.Count > 0)
        {
            using var insert = _writer.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText =
                """
                INSERT INTO readings (sensor_id, seq, ts, received_at, flow, temperature, pressure, current, extra)
                VALUES ($sensor, $seq, $ts, $received, $flow, $temperature, $pressure, $current, $extra)
                ON CONFLICT (sensor_id, seq) DO NOTHING
                """;
            var sensor = insert.Parameters.Add("$sensor", SqliteType.Text);
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var ts = insert.Parameters.Add("$ts", SqliteType.Integer);
            insert.Parameters.AddWithValue("$received", receivedAt.ToUnixTimeMilliseconds());
            var flow = insert.Parameters.Add("$flow", SqliteType.Real);
            var temperature = insert.Parameters.Add("$temperature", SqliteType.Real);
            var pressure = insert.Parameters.Add("$pressure", SqliteType.Real);
            var current = insert.Parameters.Add("$current", SqliteType.Real);
            var extra = insert.Parameters.Add("$extra", SqliteType.Text);
            foreach (var reading in readings)
            {
                sensor.Value = reading.SensorId;
                seq.Value = reading.Sequence;
                ts.Value = reading.TimestampMs;
                flow.Value = Value(reading, Signals.Flow);
                temperature.Value = Value(reading, Signals.Temperature);
                pressure.Value = Value(reading, Signals.Pressure);
                current.Value = Value(reading, Signals.Current);
                extra.Value = ExtraJson(reading) ?? (object)DBNull.Value;
                if (insert.ExecuteNonQuery() == 1)
                {
                    inserted.Add(reading);
                }
            }
        }

        if (rejects.Count > 0)
        {
            using var reject = _writer.CreateCommand();
            reject.Transaction = transaction;
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

        transaction.Commit();
        return new StoreWriteResult(inserted, readings.Count - inserted.Count, rejects.Count);
    }

    private static object Value(Reading reading, string signal) =>
        reading.Values.TryGetValue(signal, out var value) ? value : DBNull.Value;

    private static string? ExtraJson(Reading reading)
    {
        if (reading.Values.Count <= Columns.Count && reading.Values.Keys.All(Columns.Contains))
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in reading.Values)
            {
                if (!Columns.Contains(name))
                {
                    json.WriteNumber(name, value);
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string ConnectionString(StoreOptions options, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = options.Path,
        Mode = mode,
        Cache = SqliteCacheMode.Private,
        DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        Pooling = false,
    }.ToString();

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
