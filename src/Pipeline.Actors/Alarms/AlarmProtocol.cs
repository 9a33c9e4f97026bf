using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;

namespace Pipeline.Actors.Alarms;

/// <summary>A batch of stored verdicts; replied to with <see cref="AlarmsRecorded"/> once the changes they caused are journalled.</summary>
public sealed record RecordVerdicts(IReadOnlyList<Verdict> Verdicts);

public sealed record AlarmsRecorded(IReadOnlyList<AlarmChange> Changes);

/// <summary>An operator's acknowledgement (from SCADA over MQTT, or the CLI). Replied to with <see cref="AlarmCommandOutcome"/>.</summary>
public sealed record AcknowledgeAlarm(string SensorId, AlarmType Type, string By);

/// <summary>Shelve an alarm for a time. Replied to with <see cref="AlarmCommandOutcome"/>.</summary>
public sealed record ShelveAlarm(string SensorId, AlarmType Type, TimeSpan Duration, string By);

/// <summary>What became of an operator's command: done, with the alarm's state once journalled, or refused and why.</summary>
public sealed record AlarmCommandOutcome(bool Done, string Detail, Alarm? Alarm);

/// <summary>Replied to with every alarm not in the normal state.</summary>
public sealed record GetOpenAlarms;

/// <summary>Re-publish every open alarm's retained state (the MQTT link came back).</summary>
public sealed record RepublishAlarms;

/// <summary>Registry key of the alarm actor.</summary>
public sealed class AlarmRegistryKey;
