using System.Data.Common;
using Pipeline.Models.Alarms;

namespace Pipeline.Streams.Storing;

/// <summary>
/// How an alarm maps to the <c>alarms</c> and <c>alarm_events</c> tables, in every provider (their parameters are
/// written with <c>prefix</c>: <c>$</c> for SQLite, <c>@</c> for PostgreSQL). States, types and severities are stored
/// as the contract spells them (<c>active-unacknowledged</c>, <c>anomaly</c>, <c>high</c>).
/// </summary>
internal static class AlarmColumns
{
    private const string Columns = "id, sensor_id, type, state, severity, raised_at, acknowledged_at, cleared_at, last_at, count, peak_score, cause_hint, message, shelved_until, chattering, signal";

    public static string UpsertState(string p) =>
        $"""
        INSERT INTO alarms ({Columns})
        VALUES ({p}id, {p}sensor, {p}type, {p}state, {p}severity, {p}raised, {p}acked, {p}cleared, {p}last, {p}count, {p}peak, {p}hint, {p}message, {p}shelved, {p}chattering, {p}signal)
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, severity = excluded.severity, raised_at = excluded.raised_at,
            acknowledged_at = excluded.acknowledged_at, cleared_at = excluded.cleared_at, last_at = excluded.last_at,
            count = excluded.count, peak_score = excluded.peak_score, cause_hint = excluded.cause_hint,
            message = excluded.message, shelved_until = excluded.shelved_until, chattering = excluded.chattering,
            signal = excluded.signal
        """;

    public static string InsertEvent(string p) =>
        $"""
        INSERT INTO alarm_events (alarm_id, sensor_id, type, transition, state, severity, peak_score, cause_hint, message, at)
        VALUES ({p}id, {p}sensor, {p}type, {p}transition, {p}state, {p}severity, {p}peak, {p}hint, {p}message, {p}at)
        """;

    public static string SelectOpen(string p, bool oneSensor) =>
        $"SELECT {Columns} FROM alarms WHERE (state <> '{AlarmNames.Of(AlarmState.Normal)}' OR shelved_until IS NOT NULL)"
        + (oneSensor ? $" AND sensor_id = {p}sensor" : string.Empty) + " ORDER BY id";

    public static void BindState(DbParameterCollection parameters, Alarm a, string p, Func<string, object, DbParameter> create)
    {
        void Add(string name, object? value) => parameters.Add(create(p + name, value ?? DBNull.Value));
        Add("id", a.Id);
        Add("sensor", a.SensorId);
        Add("type", AlarmNames.Of(a.Type));
        Add("state", AlarmNames.Of(a.State));
        Add("severity", AlarmNames.Of(a.Severity));
        Add("raised", a.RaisedAt);
        Add("acked", a.AcknowledgedAt);
        Add("cleared", a.ClearedAt);
        Add("last", a.LastAt);
        Add("count", a.Count);
        Add("peak", a.PeakScore);
        Add("hint", a.CauseHint);
        Add("message", a.Message);
        Add("shelved", a.ShelvedUntil);
        Add("chattering", a.Chattering ? 1 : 0);
        Add("signal", a.Signal);
    }

    public static void BindEvent(DbParameterCollection parameters, AlarmChange change, string p, Func<string, object, DbParameter> create)
    {
        var a = change.Alarm;
        void Add(string name, object? value) => parameters.Add(create(p + name, value ?? DBNull.Value));
        Add("id", a.Id);
        Add("sensor", a.SensorId);
        Add("type", AlarmNames.Of(a.Type));
        Add("transition", AlarmNames.Of(change.Transition));
        Add("state", AlarmNames.Of(a.State));
        Add("severity", AlarmNames.Of(a.Severity));
        Add("peak", a.PeakScore);
        Add("hint", a.CauseHint);
        Add("message", a.Message);
        Add("at", change.At);
    }

    /// <summary>Rows of the alarm columns, in their order.</summary>
    public static List<Alarm> Read(DbDataReader rows)
    {
        long? Nullable(int i) => rows.IsDBNull(i) ? null : rows.GetInt64(i);
        var alarms = new List<Alarm>();
        while (rows.Read())
        {
            alarms.Add(new Alarm(
                rows.GetString(0), rows.GetString(1), AlarmNames.ParseType(rows.GetString(2)), AlarmNames.ParseState(rows.GetString(3)),
                AlarmNames.ParseSeverity(rows.GetString(4)), Nullable(5), Nullable(6), Nullable(7), Nullable(8), rows.GetInt32(9),
                rows.GetDouble(10), rows.IsDBNull(11) ? null : rows.GetString(11), rows.GetString(12), Nullable(13), rows.GetInt64(14) == 1,
                rows.IsDBNull(15) ? null : rows.GetString(15)));
        }

        return alarms;
    }
}
