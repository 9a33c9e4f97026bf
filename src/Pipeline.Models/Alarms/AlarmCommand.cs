using System.Text.Json;

namespace Pipeline.Models.Alarms;

/// <summary>
/// An operator's command from SCADA (docs/mqtt.md): <c>pipeline/commands/ack</c> with <c>{"alarm":"esp32-01/anomaly","by":"op"}</c>,
/// or <c>pipeline/commands/shelve</c> with <c>{"alarm":…,"minutes":30,"by":…}</c>.
/// </summary>
public sealed record AlarmCommand(string Verb, string AlarmId, string By, TimeSpan? ShelveFor)
{
    public const string Prefix = "pipeline/commands/";

    /// <summary>The command, or null and the reason it cannot be one.</summary>
    public static AlarmCommand? Parse(string topic, ReadOnlySpan<byte> payload, out string? error)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var verb = topic.StartsWith(Prefix, StringComparison.Ordinal) ? topic[Prefix.Length..] : string.Empty;
        if (verb is not ("ack" or "shelve"))
        {
            error = $"'{topic}' is not a command topic (pipeline/commands/ack or pipeline/commands/shelve)";
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(payload.ToArray());
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("alarm", out var alarm) || alarm.ValueKind != JsonValueKind.String
                || alarm.GetString()!.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                error = "the command needs \"alarm\": \"SENSOR/TYPE\"";
                return null;
            }

            var by = root.TryGetProperty("by", out var who) && who.ValueKind == JsonValueKind.String ? who.GetString()! : "scada";
            TimeSpan? shelve = null;
            if (verb == "shelve")
            {
                if (!root.TryGetProperty("minutes", out var minutes) || !minutes.TryGetDouble(out var m) || m is <= 0 or > 7 * 24 * 60)
                {
                    error = "shelve needs \"minutes\" between 0 and 10080 (a week)";
                    return null;
                }

                shelve = TimeSpan.FromMinutes(m);
            }

            error = null;
            return new AlarmCommand(verb, alarm.GetString()!, by, shelve);
        }
        catch (JsonException e)
        {
            error = $"not valid JSON: {e.Message}";
            return null;
        }
    }
}
