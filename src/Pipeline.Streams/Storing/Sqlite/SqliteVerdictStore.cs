using Microsoft.Data.Sqlite;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>The <c>verdicts</c> table in SQLite, unique on sensor and the window's last sequence.</summary>
public sealed class SqliteVerdictStore(SqliteDatabase database) : IVerdictStore
{
    public Task<int> WriteVerdictsAsync(IReadOnlyList<Verdict> verdicts, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        if (verdicts.Count == 0)
        {
            return Task.FromResult(0);
        }

        return database.WriteRowsAsync(_ => Insert(database, verdicts), cancellation);
    }

    public Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellation) =>
        database.DeleteOlderThanAsync("verdicts", "end_ts", cutoff, now, cancellation);

    /// <summary>Inserts the verdicts not stored yet, inside the transaction the writer began; returns how many were new.</summary>
    internal static int Insert(SqliteDatabase database, IReadOnlyList<Verdict> verdicts)
    {
        if (verdicts.Count == 0)
        {
            return 0;
        }

        var insert = database.Prepared(
            """
            INSERT INTO verdicts (sensor_id, first_seq, last_seq, start_ts, end_ts, score, per_signal, threshold, anomalous, model_version, learning, alarm, stored_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            ON CONFLICT (sensor_id, last_seq) DO NOTHING
            """);
        insert.Integer(13, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var perSignal = database.PerSignal;
        var inserted = 0;
        foreach (var verdict in verdicts)
        {
            insert.Text(1, verdict.SensorId);
            insert.Integer(2, verdict.FirstSequence);
            insert.Integer(3, verdict.LastSequence);
            insert.Integer(4, verdict.StartTimestampMs);
            insert.Integer(5, verdict.EndTimestampMs);
            insert.Real(6, verdict.Score);
            insert.Text(7, perSignal.Utf8(verdict));
            insert.Real(8, verdict.Threshold);
            insert.Integer(9, verdict.Anomalous ? 1 : 0);
            insert.Text(10, verdict.ModelVersion);
            insert.Integer(11, verdict.Learning ? 1 : 0);
            insert.Integer(12, verdict.AlarmActive ? 1 : 0);
            inserted += insert.Run();
        }

        return inserted;
    }
}
