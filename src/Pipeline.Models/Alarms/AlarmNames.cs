namespace Pipeline.Models.Alarms;

/// <summary>
/// The contract's spelling of alarm types, states, severities and transitions (docs/mqtt.md): lower case, words joined
/// by '-'. The one place they are written and read — MQTT, the store, the CLI — so that no other casing, and no
/// number in place of a name, is ever taken for one.
/// </summary>
public static class AlarmNames
{
    private static readonly Dictionary<string, AlarmType> Types = Enum.GetValues<AlarmType>().ToDictionary(Of, StringComparer.Ordinal);
    private static readonly Dictionary<string, AlarmState> States = Enum.GetValues<AlarmState>().ToDictionary(Of, StringComparer.Ordinal);
    private static readonly Dictionary<string, AlarmSeverity> Severities = Enum.GetValues<AlarmSeverity>().ToDictionary(Of, StringComparer.Ordinal);

    /// <summary>anomaly, limit, offline, stuck, pulsation, incomplete.</summary>
    public static IReadOnlyCollection<string> TypeNames => Types.Keys;

    public static string Of(AlarmType type) => type.ToString().ToLowerInvariant();

    /// <summary>active-unacknowledged, active-acknowledged, cleared-unacknowledged, or closed (normal: nothing to see).</summary>
    public static string Of(AlarmState state) => state switch
    {
        AlarmState.ActiveUnacknowledged => "active-unacknowledged",
        AlarmState.ActiveAcknowledged => "active-acknowledged",
        AlarmState.ClearedUnacknowledged => "cleared-unacknowledged",
        _ => "closed",
    };

    public static string Of(AlarmSeverity severity) => severity.ToString().ToLowerInvariant();

    public static string Of(AlarmTransition transition) => transition.ToString().ToLowerInvariant();

    /// <summary>The type spelled exactly as the contract does, or null.</summary>
    public static AlarmType? TryType(string? name) => name is not null && Types.TryGetValue(name, out var type) ? type : null;

    public static AlarmType ParseType(string name) => TryType(name) ?? throw Unknown("alarm type", name, Types.Keys);

    public static AlarmState ParseState(string name) =>
        States.TryGetValue(name, out var state) ? state : throw Unknown("alarm state", name, States.Keys);

    public static AlarmSeverity ParseSeverity(string name) =>
        Severities.TryGetValue(name, out var severity) ? severity : throw Unknown("alarm severity", name, Severities.Keys);

    private static InvalidDataException Unknown(string what, string name, IEnumerable<string> known) =>
        new($"'{name}' is not an {what}; known: {string.Join(", ", known)}");
}
