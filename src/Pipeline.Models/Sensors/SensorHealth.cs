namespace Pipeline.Models.Sensors;

/// <summary>Conditions of a sensor besides the model's verdicts; each becomes an alarm type later.</summary>
public enum HealthCondition
{
    Offline,
    Stuck,
    OutOfRange,
    Pulsating,

    /// <summary>Its readings lack a signal the model needs, so the model cannot judge it (<see cref="IncompleteReadings"/>).</summary>
    Incomplete,
}

/// <summary>A condition that started (<paramref name="Active"/>) or ended for a sensor (and signal, where it applies).</summary>
public sealed record HealthEvent(string SensorId, HealthCondition Condition, string? Signal, bool Active, string Detail, DateTimeOffset At);
