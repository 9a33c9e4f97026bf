using Microsoft.Data.Sqlite;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>The <c>alarms</c> table (current state, one row per sensor and type) and <c>alarm_events</c> (every transition) in SQLite.</summary>
public sealed class SqliteAlarmJournal(SqliteDatabase database) : IAlarmJournal
{
    public Task RecordAsync(IReadOnlyList<AlarmChange> changes, IReadOnlyList<Verdict> judged, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(judged);
        if (changes.Count == 0 && judged.Count == 0)
        {
            return Task.CompletedTask;
        }

        return database.WriteAsync((connection, transaction) =>
        {
            SqliteVerdictStore.Insert(database, judged);
            foreach (var change in changes)
            {
                using var upsert = connection.CreateCommand();
                upsert.Transaction = transaction;
                upsert.CommandText = AlarmColumns.UpsertState("$");
                AlarmColumns.BindState(upsert.Parameters, change.Alarm, "$", (name, value) => new SqliteParameter(name, value));
                upsert.ExecuteNonQuery();

                using var journal = connection.CreateCommand();
                journal.Transaction = transaction;
                journal.CommandText = AlarmColumns.InsertEvent("$");
                AlarmColumns.BindEvent(journal.Parameters, change, "$", (name, value) => new SqliteParameter(name, value));
                journal.ExecuteNonQuery();
            }

            return changes.Count;
        }, cancellation);
    }

    public Task<IReadOnlyList<Alarm>> LoadOpenAsync(string? sensorId, CancellationToken cancellation) =>
        database.ReadAsync<IReadOnlyList<Alarm>>(connection =>
        {
            using var command = new SqliteCommand(AlarmColumns.SelectOpen("$", sensorId is not null), connection);
            if (sensorId is not null)
            {
                command.Parameters.AddWithValue("$sensor", sensorId);
            }

            using var rows = command.ExecuteReader();
            return AlarmColumns.Read(rows);
        }, cancellation);

    public Task<IReadOnlyList<JudgedWindow>> LoadJudgedAsync(string sensorId, int count, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(sensorId);
        return database.ReadAsync<IReadOnlyList<JudgedWindow>>(connection =>
        {
            using var command = new SqliteCommand(
                "SELECT last_seq, score, threshold, learning FROM verdicts WHERE sensor_id = $sensor ORDER BY last_seq DESC LIMIT $count", connection);
            command.Parameters.AddWithValue("$sensor", sensorId);
            command.Parameters.AddWithValue("$count", count);
            using var rows = command.ExecuteReader();
            var judged = new List<JudgedWindow>(count);
            while (rows.Read())
            {
                judged.Add(new JudgedWindow(rows.GetInt64(0), rows.GetDouble(1), rows.GetDouble(2), rows.GetInt64(3) != 0));
            }

            judged.Reverse();
            return judged;
        }, cancellation);
    }
}
