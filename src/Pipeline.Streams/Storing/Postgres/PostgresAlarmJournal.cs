using Npgsql;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing.Postgres;

/// <summary>The <c>alarms</c> table (current state) and <c>alarm_events</c> (every transition) in PostgreSQL, shared by the cluster.</summary>
public sealed class PostgresAlarmJournal(PostgresDatabase database) : IAlarmJournal
{
    public Task RecordAsync(IReadOnlyList<AlarmChange> changes, IReadOnlyList<Verdict> judged, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(judged);
        if (changes.Count == 0 && judged.Count == 0)
        {
            return Task.CompletedTask;
        }

        return database.WriteAsync(async (connection, transaction) =>
        {
            await PostgresVerdictStore.InsertAsync(connection, transaction, judged, cancellation).ConfigureAwait(false);
            foreach (var change in changes)
            {
                await using var upsert = new NpgsqlCommand(AlarmColumns.UpsertState("@"), connection, transaction);
                AlarmColumns.BindState(upsert.Parameters, change.Alarm, string.Empty, (name, value) => new NpgsqlParameter(name, value));
                await upsert.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);

                await using var journal = new NpgsqlCommand(AlarmColumns.InsertEvent("@"), connection, transaction);
                AlarmColumns.BindEvent(journal.Parameters, change, string.Empty, (name, value) => new NpgsqlParameter(name, value));
                await journal.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
            }

            return changes.Count;
        }, cancellation);
    }

    public Task<IReadOnlyList<Alarm>> LoadOpenAsync(string? sensorId, CancellationToken cancellation) =>
        database.ReadAsync<IReadOnlyList<Alarm>>(async connection =>
        {
            await using var command = new NpgsqlCommand(AlarmColumns.SelectOpen("@", sensorId is not null), connection);
            if (sensorId is not null)
            {
                command.Parameters.AddWithValue("sensor", sensorId);
            }

            await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            return AlarmColumns.Read(rows);
        }, cancellation);

    public Task<IReadOnlyList<JudgedWindow>> LoadJudgedAsync(string sensorId, int count, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(sensorId);
        return database.ReadAsync<IReadOnlyList<JudgedWindow>>(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT last_seq, score, threshold, learning FROM verdicts WHERE sensor_id = @sensor ORDER BY last_seq DESC LIMIT @count", connection);
            command.Parameters.AddWithValue("sensor", sensorId);
            command.Parameters.AddWithValue("count", count);
            await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            var judged = new List<JudgedWindow>(count);
            while (await rows.ReadAsync(cancellation).ConfigureAwait(false))
            {
                judged.Add(new JudgedWindow(rows.GetInt64(0), rows.GetDouble(1), rows.GetDouble(2), rows.GetInt64(3) != 0));
            }

            judged.Reverse();
            return judged;
        }, cancellation);
    }
}
