using Microsoft.Data.Sqlite;
using Pipeline.Models.Alarms;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>The <c>alarms</c> table (current state, one row per sensor and type) and <c>alarm_events</c> (every transition) in SQLite.</summary>
public sealed class SqliteAlarmJournal(SqliteDatabase database) : IAlarmJournal
{
    public Task RecordAsync(IReadOnlyList<AlarmChange> changes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return Task.CompletedTask;
        }

        return database.WriteAsync((connection, transaction) =>
        {
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
}
