using Npgsql;
using NpgsqlTypes;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing.Postgres;

/// <summary>The <c>verdicts</c> table in PostgreSQL, unique on sensor and the window's last sequence; a batch is one statement.</summary>
public sealed class PostgresVerdictStore(PostgresDatabase database) : IVerdictStore
{
    public Task<int> WriteVerdictsAsync(IReadOnlyList<Verdict> verdicts, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        return verdicts.Count == 0
            ? Task.FromResult(0)
            : database.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, verdicts, cancellation), cancellation);
    }

    public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellation) =>
        database.DeleteOlderThanAsync("verdicts", "end_ts", cutoff, cancellation);

    /// <summary>Inserts the verdicts not stored yet; returns how many were new.</summary>
    internal static async Task<int> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Verdict> verdicts, CancellationToken cancellation)
    {
        if (verdicts.Count == 0)
        {
            return 0;
        }

        NpgsqlParameter<T[]> Column<T>(string name, NpgsqlDbType type, Func<Verdict, T> value) =>
            new(name, NpgsqlDbType.Array | type) { TypedValue = [.. verdicts.Select(value)] };
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO verdicts (sensor_id, first_seq, last_seq, start_ts, end_ts, score, per_signal, threshold, anomalous, model_version, learning, alarm, stored_at)
            SELECT s, f, l, st, e, sc, ps, th, an, m, le, al, @stored
            FROM unnest(@sensor, @first, @last, @start, @end, @score, @perSignal, @threshold, @anomalous, @model, @learning, @alarm)
                AS v(s, f, l, st, e, sc, ps, th, an, m, le, al)
            ON CONFLICT (sensor_id, last_seq) DO NOTHING
            """, connection, transaction);
        command.Parameters.AddWithValue("stored", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        command.Parameters.Add(Column("sensor", NpgsqlDbType.Text, v => v.SensorId));
        command.Parameters.Add(Column("first", NpgsqlDbType.Bigint, v => v.FirstSequence));
        command.Parameters.Add(Column("last", NpgsqlDbType.Bigint, v => v.LastSequence));
        command.Parameters.Add(Column("start", NpgsqlDbType.Bigint, v => v.StartTimestampMs));
        command.Parameters.Add(Column("end", NpgsqlDbType.Bigint, v => v.EndTimestampMs));
        command.Parameters.Add(Column("score", NpgsqlDbType.Double, v => (double)v.Score));
        command.Parameters.Add(Column("perSignal", NpgsqlDbType.Text, VerdictColumns.PerSignalJson));
        command.Parameters.Add(Column("threshold", NpgsqlDbType.Double, v => (double)v.Threshold));
        command.Parameters.Add(Column("anomalous", NpgsqlDbType.Bigint, v => v.Anomalous ? 1L : 0L));
        command.Parameters.Add(Column("model", NpgsqlDbType.Text, v => v.ModelVersion));
        command.Parameters.Add(Column("learning", NpgsqlDbType.Bigint, v => v.Learning ? 1L : 0L));
        command.Parameters.Add(Column("alarm", NpgsqlDbType.Bigint, v => v.AlarmActive ? 1L : 0L));
        return await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
    }
}
