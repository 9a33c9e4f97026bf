using Microsoft.Data.Sqlite;
using Pipeline.Models.Alarms;

namespace Pipeline.Streams.Storing;

/// <summary>The <c>alarms</c> table (current state) and <c>alarm_events</c> (every transition).</summary>
public sealed partial class SqliteStore : IAlarmJournal
{
    public Task RecordAsync(IReadOnlyList<AlarmChange> changes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return Task.CompletedTask;
        }

        return WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            foreach (var change in changes)
            {
                var a = change.Alarm;
                using var upsert = connection.CreateCommand();
                upsert.Transaction = transaction;
                upsert.CommandText =
                    """
                    INSERT INTO alarms (id, sensor_id, type, state, severity, raised_at, acknowledged_at, cleared_at, last_at, count, peak_score, cause_hint, message, shelved_until, chattering)
                    VALUES ($id, $sensor, $type, $state, $severity, $raised, $acked, $cleared, $last, $count, $peak, $hint, $message, $shelved, $chattering)
                    ON CONFLICT (id) DO UPDATE SET state = excluded.state, severity = excluded.severity, raised_at = excluded.raised_at,
                        acknowledged_at = excluded.acknowledged_at, cleared_at = excluded.cleared_at, last_at = excluded.last_at,
                        count = excluded.count, peak_score = excluded.peak_score, cause_hint = excluded.cause_hint,
                        message = excluded.message, shelved_until = excluded.shelved_until, chattering = excluded.chattering
                    """;
                upsert.Parameters.AddWithValue("$id", a.Id);
                upsert.Parameters.AddWithValue("$sensor", a.SensorId);
                upsert.Parameters.AddWithValue("$type", a.Type.ToString());
                upsert.Parameters.AddWithValue("$state", a.State.ToString());
                upsert.Parameters.AddWithValue("$severity", a.Severity.ToString());
                upsert.Parameters.AddWithValue("$raised", (object?)a.RaisedAt ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$acked", (object?)a.AcknowledgedAt ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$cleared", (object?)a.ClearedAt ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$last", (object?)a.LastAt ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$count", a.Count);
                upsert.Parameters.AddWithValue("$peak", a.PeakScore);
                upsert.Parameters.AddWithValue("$hint", (object?)a.CauseHint ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$message", a.Message);
                upsert.Parameters.AddWithValue("$shelved", (object?)a.ShelvedUntil ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$chattering", a.Chattering ? 1 : 0);
                upsert.ExecuteNonQuery();

                using var journal = connection.CreateCommand();
                journal.Transaction = transaction;
                journal.CommandText =
                    """
                    INSERT INTO alarm_events (alarm_id, sensor_id, type, transition, state, severity, peak_score, cause_hint, message, at)
                    VALUES ($id, $sensor, $type, $transition, $state, $severity, $peak, $hint, $message, $at)
                    """;
                journal.Parameters.AddWithValue("$id", a.Id);
                journal.Parameters.AddWithValue("$sensor", a.SensorId);
                journal.Parameters.AddWithValue("$type", a.Type.ToString());
                journal.Parameters.AddWithValue("$transition", change.Transition.ToString());
                journal.Parameters.AddWithValue("$state", a.State.ToString());
                journal.Parameters.AddWithValue("$severity", a.Severity.ToString());
                journal.Parameters.AddWithValue("$peak", a.PeakScore);
                journal.Parameters.AddWithValue("$hint", (object?)a.CauseHint ?? DBNull.Value);
                journal.Parameters.AddWithValue("$message", a.Message);
                journal.Parameters.AddWithValue("$at", change.At);
                journal.ExecuteNonQuery();
            }

            transaction.Commit();
            return changes.Count;
        }, cancellation);
    }

    public IReadOnlyList<Alarm> LoadOpen()
    {
        using var reader = OpenReader();
        using var command = new SqliteCommand(
            """
            SELECT id, sensor_id, type, state, severity, raised_at, acknowledged_at, cleared_at, last_at, count, peak_score, cause_hint, message, shelved_until, chattering
            FROM alarms WHERE state <> 'Normal' OR shelved_until IS NOT NULL
            """, reader);
        using var rows = command.ExecuteReader();
        var alarms = new List<Alarm>();
        long? Nullable(int i) => rows.IsDBNull(i) ? null : rows.GetInt64(i);
        while (rows.Read())
        {
            alarms.Add(new Alarm(
                rows.GetString(0), rows.GetString(1), Enum.Parse<AlarmType>(rows.GetString(2)), Enum.Parse<AlarmState>(rows.GetString(3)),
                Enum.Parse<AlarmSeverity>(rows.GetString(4)), Nullable(5), Nullable(6), Nullable(7), Nullable(8), rows.GetInt32(9),
                rows.GetDouble(10), rows.IsDBNull(11) ? null : rows.GetString(11), rows.GetString(12), Nullable(13), rows.GetInt64(14) == 1));
        }

        return alarms;
    }
}
