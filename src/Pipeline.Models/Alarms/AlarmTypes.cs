namespace Pipeline.Models.Alarms;

/// <summary>What an alarm is about. One alarm per sensor and type.</summary>
public enum AlarmType
{
    /// <summary>The model's score stayed above its threshold (on-delay).</summary>
    Anomaly,

    /// <summary>A signal outside its hard limit.</summary>
    Limit,

    /// <summary>The sensor stopped reporting.</summary>
    Offline,

    /// <summary>A signal reads the same value again and again.</summary>
    Stuck,

    /// <summary>A signal pulsates: its short-term variation is many times its usual (cavitation).</summary>
    Pulsation,

    /// <summary>The sensor's readings lack a signal its model needs: the model cannot judge it.</summary>
    Incomplete,
}

/// <summary>ISA-18.2 alarm states.</summary>
public enum AlarmState
{
    /// <summary>No alarm (or closed: cleared and acknowledged).</summary>
    Normal,
    ActiveUnacknowledged,
    ActiveAcknowledged,
    ClearedUnacknowledged,
}

public enum AlarmSeverity
{
    Low,
    Medium,
    High,
}

/// <summary>What happened to an alarm; one is journalled (and published) per change.</summary>
public enum AlarmTransition
{
    Raised,
    Updated,
    Acknowledged,
    Cleared,
    Closed,
    Shelved,
    Chattering,
}
