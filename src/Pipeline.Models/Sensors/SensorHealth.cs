namespace Pipeline.Models.Sensors;

/// <summary>Model-independent conditions of a sensor; each becomes an alarm type later.</summary>
public enum HealthCondition
{
    Offline,
    Stuck,
    OutOfRange,
    Pulsating,
}

/// <summary>A condition that started (<paramref name="Active"/>) or ended for a sensor (and signal, where it applies).</summary>
public sealed record HealthEvent(string SensorId, HealthCondition Condition, string? Signal, bool Active, string Detail, DateTimeOffset At);
