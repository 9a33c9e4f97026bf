namespace Pipeline.Models.Alarms;

/// <summary>
/// The whole state of one alarm (sensor, type) — what the retained MQTT topic and the <c>alarms</c> table hold.
/// Times are Unix ms; null when it has not happened. <paramref name="Signal"/>: for a health alarm, the signal whose
/// condition raised it (so that the condition can be picked up again after a restart).
/// </summary>
public sealed record Alarm(
    string Id,
    string SensorId,
    AlarmType Type,
    AlarmState State,
    AlarmSeverity Severity,
    long? RaisedAt,
    long? AcknowledgedAt,
    long? ClearedAt,
    long? LastAt,
    int Count,
    double PeakScore,
    string? CauseHint,
    string Message,
    long? ShelvedUntil,
    bool Chattering,
    string? Signal = null)
{
    public static Alarm Normal(string sensorId, AlarmType type) =>
        new(IdOf(sensorId, type), sensorId, type, AlarmState.Normal, AlarmSeverity.Low,
            null, null, null, null, 0, 0, null, string.Empty, null, false);

    /// <summary>How an alarm is named on MQTT, in the store and on the command line: <c>esp32-01/anomaly</c>.</summary>
    public static string IdOf(string sensorId, AlarmType type) => $"{sensorId}/{AlarmNames.Of(type)}";

    public bool IsActive => State is AlarmState.ActiveUnacknowledged or AlarmState.ActiveAcknowledged;

    public bool IsShelvedAt(long nowMs) => ShelvedUntil is { } until && nowMs < until;
}
