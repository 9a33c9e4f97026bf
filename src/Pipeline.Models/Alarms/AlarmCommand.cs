using System.Text.Json;
using Pipeline.Models.Security;

namespace Pipeline.Models.Alarms;

/// <summary>What an operator asks of an alarm.</summary>
public enum AlarmCommandVerb
{
    Acknowledge,
    Shelve,
}

/// <summary>
/// An operator's command from SCADA (docs/mqtt.md): <c>pipeline/commands/ack</c> with
/// <c>{"alarm":"esp32-01/anomaly","by":"op"}</c>, or <c>pipeline/commands/shelve</c> with
/// <c>{"alarm":…,"minutes":30,"by":…}</c>. Outside input: <see cref="Parse"/> gives a command or a rejection with the
/// reason, never an exception, and takes an alarm only as the contract spells it — a valid sensor id, one of the five
/// types in lower case, no number in place of a name.
/// </summary>
public sealed record AlarmCommand(AlarmCommandVerb Verb, string SensorId, AlarmType Type, string By, TimeSpan? ShelveFor)
{
    public const string Prefix = "pipeline/commands/";
    public const string AcknowledgeTopic = Prefix + "ack";
    public const string ShelveTopic = Prefix + "shelve";

    /// <summary>Longest command accepted, bytes; a command is a few dozen.</summary>
    public const int MaxPayloadBytes = 1024;

    /// <summary>Longest shelving: a week.</summary>
    public const double MaxShelveMinutes = 7 * 24 * 60;

    private const int MaxByLength = 64;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 2, CommentHandling = JsonCommentHandling.Disallow };

    public string AlarmId => Alarm.IdOf(SensorId, Type);

    /// <summary>The verb as it appears in the topic: <c>ack</c> or <c>shelve</c>.</summary>
    public string VerbName => Verb == AlarmCommandVerb.Acknowledge ? "ack" : "shelve";

    public static AlarmCommandParse Parse(string topic, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(topic);
        AlarmCommandVerb verb;
        switch (topic)
        {
            case AcknowledgeTopic: verb = AlarmCommandVerb.Acknowledge; break;
            case ShelveTopic: verb = AlarmCommandVerb.Shelve; break;
            default: return Reject($"'{Printable(topic)}' is not a command topic ({AcknowledgeTopic} or {ShelveTopic})");
        }

        if (payload.Length > MaxPayloadBytes)
        {
            return Reject($"the command is {payload.Length} bytes; at most {MaxPayloadBytes} are accepted");
        }

        try
        {
            using var json = JsonDocument.Parse(payload.ToArray(), JsonOptions);
            return Read(verb, json.RootElement);
        }
        catch (JsonException e)
        {
            return Reject($"not valid JSON: {e.Message}");
        }
    }

    private static AlarmCommandParse Read(AlarmCommandVerb verb, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Reject($"the command is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                return Reject($"field '{Printable(property.Name)}' appears twice");
            }
        }

        if (!root.TryGetProperty("alarm", out var alarm) || alarm.ValueKind != JsonValueKind.String)
        {
            return Reject("the command needs \"alarm\": \"SENSOR/TYPE\", e.g. \"esp32-01/anomaly\"");
        }

        var id = alarm.GetString()!;
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        var sensor = slash < 0 ? id : id[..slash];
        var typeName = slash < 0 ? string.Empty : id[(slash + 1)..];
        if (IdentityName.Validate(sensor) is { } badSensor)
        {
            return Reject($"alarm '{Printable(id)}': '{Printable(sensor)}' is not a sensor id ({badSensor})");
        }

        if (AlarmNames.TryType(typeName) is not { } type)
        {
            return Reject($"alarm '{Printable(id)}': '{Printable(typeName)}' is not an alarm type; use one of {string.Join(", ", AlarmNames.TypeNames)}, spelled so");
        }

        var by = "scada";
        if (root.TryGetProperty("by", out var who))
        {
            if (who.ValueKind != JsonValueKind.String || who.GetString() is not { Length: > 0 and <= MaxByLength } name || name.Any(char.IsControl))
            {
                return Reject($"\"by\" must be a name of 1 to {MaxByLength} printable characters");
            }

            by = name;
        }

        TimeSpan? shelve = null;
        if (verb == AlarmCommandVerb.Shelve)
        {
            if (!root.TryGetProperty("minutes", out var minutes) || minutes.ValueKind != JsonValueKind.Number
                || !minutes.TryGetDouble(out var m) || !double.IsFinite(m) || m is <= 0 or > MaxShelveMinutes)
            {
                return Reject($"shelve needs \"minutes\": a number above 0 and at most {MaxShelveMinutes} (a week)");
            }

            shelve = TimeSpan.FromMinutes(m);
        }

        return new AlarmCommandParse(new AlarmCommand(verb, sensor, type, by, shelve), null);
    }

    private static AlarmCommandParse Reject(string reason) => new(null, reason);

    /// <summary>Outside text in a message: control characters escaped, long text cut.</summary>
    private static string Printable(string text)
    {
        var cut = text.Length > 80 ? text[..80] + "…" : text;
        return string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}

/// <summary>A command, or the reason there is none.</summary>
public sealed record AlarmCommandParse(AlarmCommand? Command, string? Rejection);
