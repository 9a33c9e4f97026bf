using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Models.Topics;

namespace Pipeline.Models.Telemetry;

/// <summary>
/// Decodes the telemetry JSON of the topic contract into a <see cref="Reading"/>, or says precisely why not.
/// It reads with <see cref="Utf8JsonReader"/> directly: no reflection at all (so nothing to trim or source-generate on
/// arm64), one pass, and the position of every fault is known — which a serializer would hide behind one exception.
/// </summary>
public sealed class TelemetryCodec(TelemetryLimits limits)
{
    private const string Timestamp = "ts";
    private const string Sequence = "seq";

    /// <summary>Fields a device may use to name itself; when present they must equal the topic's sensor id.</summary>
    private static readonly string[] SensorFields = ["sensor", "sensor_id", "id"];

    /// <summary>The fields that are not signals.</summary>
    private static readonly string[] FixedFields = [Timestamp, Sequence, .. SensorFields];

    // Integers beyond 2^53 lose precision in every JSON stack a device or dashboard uses.
    private const long MaxSafeInteger = 9_007_199_254_740_991;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 4, CommentHandling = JsonCommentHandling.Disallow };

    public TelemetryLimits Limits { get; } = limits ?? throw new ArgumentNullException(nameof(limits));

    /// <summary>Field names a payload is expected to use, as UTF-8: matched ones reuse the string instead of decoding a new one per message.</summary>
    private readonly (byte[] Utf8, string Name)[] _knownNames =
    [
        .. FixedFields.Concat(Signals.Standard).Concat(limits!.Bounds.Keys)
            .Distinct(StringComparer.Ordinal).Select(name => (Encoding.UTF8.GetBytes(name), name)),
    ];

    // A message's names and values while it is read (one decode at a time per thread), then copied out to its reading;
    // between messages they hold at most MaxSignals names of the last one.
    [ThreadStatic] private static string[]? t_names;
    [ThreadStatic] private static double[]? t_values;

    private string[]? _lastNames;

    public TelemetryDecodeResult Decode(string topic, ReadOnlySpan<byte> payload, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var sensorId = TopicContract.SensorIdOfTelemetry(topic);
        if (sensorId is null)
        {
            return Reject(RejectReason.NotTelemetryTopic, $"topic '{topic}' is not pipeline/<sensor-id>/telemetry");
        }

        if (payload.Length > Limits.MaxPayloadBytes)
        {
            return Reject(RejectReason.PayloadTooLarge, $"payload is {payload.Length} bytes; at most {Limits.MaxPayloadBytes} are accepted");
        }

        try
        {
            return Parse(sensorId, payload, receivedAt);
        }
        catch (JsonException e)
        {
            return LooksNonFinite(payload)
                ? Reject(RejectReason.NotFinite, $"NaN or Infinity at byte {e.BytePositionInLine}: not a number in JSON; send the field out or null the reading")
                : Reject(RejectReason.NotJson, $"not valid JSON at byte {e.BytePositionInLine}: {FirstSentence(e.Message)}");
        }
    }

    private TelemetryDecodeResult Parse(string sensorId, ReadOnlySpan<byte> payload, DateTimeOffset receivedAt)
    {
        var reader = new Utf8JsonReader(payload, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return Reject(RejectReason.NotAnObject, $"payload is a JSON {Describe(reader.TokenType)}, not an object");
        }

        long? timestamp = null;
        long? sequence = null;
        var names = t_names is { } n && n.Length >= Limits.MaxSignals ? n : t_names = new string[Limits.MaxSignals];
        var values = t_values is { } v && v.Length >= Limits.MaxSignals ? v : t_values = new double[Limits.MaxSignals];
        var count = 0;
        var seenFixed = 0; // a bit per field of FixedFields: no set allocated per message
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = Name(ref reader);
            var fixedIndex = Array.IndexOf(FixedFields, name);
            if (fixedIndex >= 0 ? (seenFixed & (1 << fixedIndex)) != 0 : Array.IndexOf(names, name, 0, count) >= 0)
            {
                return Reject(RejectReason.DuplicateField, $"field '{name}' appears twice");
            }

            if (fixedIndex >= 0)
            {
                seenFixed |= 1 << fixedIndex;
            }

            reader.Read();
            if (name is Timestamp or Sequence)
            {
                if (!TryReadInteger(ref reader, out var integer))
                {
                    return Reject(RejectReason.WrongType,
                        $"field '{name}' is {Describe(ref reader)}; expected a non-negative integer{(name == Timestamp ? " (Unix milliseconds)" : string.Empty)}");
                }

                if (name == Timestamp)
                {
                    timestamp = integer;
                }
                else
                {
                    sequence = integer;
                }

                continue;
            }

            if (SensorFields.Contains(name))
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    return Reject(RejectReason.WrongType, $"field '{name}' is {Describe(ref reader)}; expected the sensor id as a string");
                }

                var claimed = reader.GetString();
                if (claimed != sensorId)
                {
                    return Reject(RejectReason.SensorMismatch, $"field '{name}' says '{claimed}' but the message came from '{sensorId}'");
                }

                continue;
            }

            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value))
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                return Reject(RejectReason.WrongType, $"field '{name}' is {Describe(ref reader)}; every signal must be a number");
            }

            if (!double.IsFinite(value))
            {
                return Reject(RejectReason.NotFinite, $"field '{name}' overflows a double");
            }

            var bounds = Limits.Bounds.GetValueOrDefault(name) ?? TelemetryLimits.DefaultBounds;
            if (!bounds.Contains(value))
            {
                return Reject(RejectReason.OutOfPhysicalBounds, string.Create(CultureInfo.InvariantCulture,
                    $"field '{name}' is {value}, outside its physical range [{bounds.Min}, {bounds.Max}]"));
            }

            if (count == Limits.MaxSignals)
            {
                return Reject(RejectReason.PayloadTooLarge, $"more than {Limits.MaxSignals} signals");
            }

            (names[count], values[count]) = (name, value);
            count++;
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return Reject(RejectReason.NotJson, "payload continues after the JSON object");
        }

        if (timestamp is null || sequence is null)
        {
            return Reject(RejectReason.MissingField, $"field '{(timestamp is null ? Timestamp : Sequence)}' is missing");
        }

        if (count == 0)
        {
            return Reject(RejectReason.NoSignals, "the message carries no signal values");
        }

        var measuredAt = DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(timestamp.Value, 253_402_300_799_999));
        if (measuredAt > receivedAt + Limits.MaxClockSkew)
        {
            return Reject(RejectReason.TimestampInFuture,
                $"ts {timestamp} ({measuredAt:u}) is {(measuredAt - receivedAt).TotalSeconds:F0} s ahead of the node's clock; at most {Limits.MaxClockSkew.TotalSeconds:F0} s are accepted");
        }

        if (measuredAt < receivedAt - Limits.MaxAge)
        {
            return Reject(RejectReason.TimestampTooOld,
                $"ts {timestamp} ({measuredAt:u}) is older than {Limits.MaxAge.TotalDays:F1} days");
        }

        var signals = new SignalDictionary(SharedNames(names.AsSpan(0, count)), values.AsSpan(0, count).ToArray());
        return new DecodedReading(new Reading(sensorId, timestamp.Value, sequence.Value, signals));
    }

    /// <summary>
    /// The names as an array shared with the previous reading when it named the same signals in the same order, as a
    /// device's every message does; else a new one, which the next readings share.
    /// </summary>
    private string[] SharedNames(ReadOnlySpan<string> names)
    {
        if (Volatile.Read(ref _lastNames) is { } last && names.SequenceEqual(last))
        {
            return last;
        }

        var fresh = names.ToArray();
        Volatile.Write(ref _lastNames, fresh);
        return fresh;
    }

    private string Name(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            foreach (var (utf8, name) in _knownNames)
            {
                if (reader.ValueSpan.SequenceEqual(utf8))
                {
                    return name;
                }
            }
        }

        return reader.GetString()!;
    }

    private static bool TryReadInteger(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value) && value is >= 0 and <= MaxSafeInteger;
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string \"{Truncate(reader.GetString())}\"",
        JsonTokenType.Number => $"the number {Encoding.UTF8.GetString(reader.ValueSpan)}",
        _ => Describe(reader.TokenType),
    };

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray or JsonTokenType.EndArray => "array",
        JsonTokenType.StartObject or JsonTokenType.EndObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => "nothing",
    };

    private static string Truncate(string? text) => text is null ? string.Empty : text.Length <= 40 ? text : text[..40] + "…";

    private static bool LooksNonFinite(ReadOnlySpan<byte> payload) =>
        payload.IndexOf("NaN"u8) >= 0 || payload.IndexOf("Infinity"u8) >= 0;

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    private static RejectedTelemetry Reject(RejectReason reason, string detail) => new(reason, detail);
}
