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

        return database.WriteAsync((connection, transaction) => Insert(connection, transaction, verdicts), cancellation);
    }

    /// <summary>Inserts the verdicts not stored yet; returns how many were new.</summary>
    internal static int Insert(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<Verdict> verdicts)
    {
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText =
                """
                INSERT INTO verdicts (sensor_id, first_seq, last_seq, start_ts, end_ts, score, per_signal, threshold, anomalous, model_version, learning, alarm, stored_at)
                VALUES ($sensor, $first, $last, $start, $end, $score, $perSignal, $threshold, $anomalous, $model, $learning, $alarm, $stored)
                ON CONFLICT (sensor_id, last_seq) DO NOTHING
                """;
            var sensor = command.Parameters.Add("$sensor", SqliteType.Text);
            var first = command.Parameters.Add("$first", SqliteType.Integer);
            var last = command.Parameters.Add("$last", SqliteType.Integer);
            var start = command.Parameters.Add("$start", SqliteType.Integer);
            var end = command.Parameters.Add("$end", SqliteType.Integer);
            var score = command.Parameters.Add("$score", SqliteType.Real);
            var perSignal = command.Parameters.Add("$perSignal", SqliteType.Text);
            var threshold = command.Parameters.Add("$threshold", SqliteType.Real);
            var anomalous = command.Parameters.Add("$anomalous", SqliteType.Integer);
            var model = command.Parameters.Add("$model", SqliteType.Text);
            var learning = command.Parameters.Add("$learning", SqliteType.Integer);
            var alarm = command.Parameters.Add("$alarm", SqliteType.Integer);
            command.Parameters.AddWithValue("$stored", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var inserted = 0;
            foreach (var verdict in verdicts)
            {
                sensor.Value = verdict.SensorId;
                first.Value = verdict.FirstSequence;
                last.Value = verdict.LastSequence;
                start.Value = verdict.StartTimestampMs;
                end.Value = verdict.EndTimestampMs;
                score.Value = verdict.Score;
                perSignal.Value = VerdictColumns.PerSignalJson(verdict);
                threshold.Value = verdict.Threshold;
                anomalous.Value = verdict.Anomalous ? 1 : 0;
                model.Value = verdict.ModelVersion;
                learning.Value = verdict.Learning ? 1 : 0;
                alarm.Value = verdict.AlarmActive ? 1 : 0;
                inserted += command.ExecuteNonQuery();
            }

            return inserted;
        }
    }
}
