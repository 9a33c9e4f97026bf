namespace Pipeline.Models.Topics;

/// <summary>The MQTT topics of the contract (docs/mqtt.md).</summary>
public static class TopicContract
{
    public const string Root = "pipeline";
    public const string TelemetryLevel = "telemetry";

    /// <summary>Every device's telemetry: <c>pipeline/+/telemetry</c>.</summary>
    public const string AllTelemetry = "pipeline/+/telemetry";

    public const string Events = "pipeline/events";

    public static string Telemetry(string sensorId) => $"{Root}/{sensorId}/{TelemetryLevel}";

    public static string Alarm(string sensorId, string type) => $"{Root}/alarms/{sensorId}/{type}";

    public static string Status(string node) => $"{Root}/status/{node}";

    /// <summary>Where the node answers a SCADA identity's commands (MQTT 5 response topic): <c>pipeline/replies/&lt;identity&gt;</c>.</summary>
    public static string Replies(string identity) => $"{Root}/replies/{identity}";

    /// <summary>A sensor's score points for the dashboard: <c>pipeline/scores/&lt;sensor&gt;</c>.</summary>
    public static string Scores(string sensorId) => $"{Root}/scores/{sensorId}";

    /// <summary>
    /// <paramref name="filter"/> as an MQTT 5 shared subscription of <paramref name="group"/>: the broker gives each
    /// message to one subscriber of the group (<c>$share/&lt;group&gt;/&lt;filter&gt;</c>).
    /// </summary>
    public static string Shared(string group, string filter) => $"$share/{group}/{filter}";

    /// <summary>The sensor id of a telemetry topic, or null when <paramref name="topic"/> is not one.</summary>
    public static string? SensorIdOfTelemetry(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        const string prefix = Root + "/";
        const string suffix = "/" + TelemetryLevel;
        var rest = topic.AsSpan(); // spans, not Split: this runs for every message
        if (rest.Length <= prefix.Length + suffix.Length || !rest.StartsWith(prefix, StringComparison.Ordinal) || !rest.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var id = rest[prefix.Length..^suffix.Length];
        return id.Contains('/') ? null : id.ToString();
    }
}
