using Pipeline.Models.Settings;
using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>A sensor the node expects (<c>pipeline sensors add</c>): it is started at once and goes offline if it never reports.</summary>
public sealed record SensorRegistration(
    string SensorId,
    string? DisplayName,
    string? Location,
    IReadOnlyDictionary<string, SignalBounds> Limits,
    DateTimeOffset RegisteredAt)
{
    /// <summary>The longest display name or location: a label on a dashboard tile and an alarm line, not a document.</summary>
    public const int MostLabelCharacters = 200;

    /// <summary>
    /// A display name or location as given by <paramref name="flag"/>, trimmed; none when empty; refused where
    /// <see cref="LabelProblem"/> says.
    /// </summary>
    public static string? ParseLabel(string flag, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var label = text.Trim();
        return LabelProblem(flag, label) is { } problem ? throw new FormatException(problem) : label;
    }

    /// <summary>
    /// Why <paramref name="label"/> (a display name or location, set by <paramref name="name"/>) is no label, or null:
    /// a line break or another control character broke <c>sensors list</c>'s table into two rows and went as it was
    /// to every alarm and dashboard; more than <see cref="MostLabelCharacters"/> is a document, not a label.
    /// </summary>
    public static string? LabelProblem(string name, string? label) =>
        SettingRules.OneLine(name, label, ": give it on one line")
            .Concat(SettingRules.When(label?.Length > MostLabelCharacters, $"{name} is {label?.Length} characters long; give at most {MostLabelCharacters}"))
            .FirstOrDefault();

    /// <summary>Parses <c>flow=0:500,pressure=0.5:10</c>.</summary>
    public static Dictionary<string, SignalBounds> ParseLimits(string? text)
    {
        var limits = new Dictionary<string, SignalBounds>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return limits;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (signal, range) = part.Split('=', 2) is [var s, var r] ? (s.Trim(), r) : throw Bad(part);
            var bounds = range.Split(':', 2);
            if (signal.Length == 0 || bounds.Length != 2
                || !double.TryParse(bounds[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var min)
                || !double.TryParse(bounds[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var max)
                || !(min < max))
            {
                throw Bad(part);
            }

            if (!limits.TryAdd(signal, new SignalBounds(min, max)))
            {
                throw new FormatException($"limit for '{signal}' given twice ('{text}'): give each signal once");
            }
        }

        return limits;

        static FormatException Bad(string part) =>
            new($"limit '{part}' is not SIGNAL=MIN:MAX with MIN below MAX (e.g. pressure=0.5:10)");
    }

    /// <summary>Whether <paramref name="other"/> gives the same names and limits.</summary>
    public bool SameSettings(SensorRegistration other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return SensorId == other.SensorId && DisplayName == other.DisplayName && Location == other.Location
            && Limits.Count == other.Limits.Count && Limits.All(l => other.Limits.TryGetValue(l.Key, out var bounds) && bounds.Min.Equals(l.Value.Min) && bounds.Max.Equals(l.Value.Max));
    }

    /// <summary>The sensor's settings: the defaults with this registration's names and limits.</summary>
    public SensorSettings ApplyTo(SensorSettings defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var settings = defaults.Copy();
        settings.DisplayName = DisplayName ?? settings.DisplayName;
        settings.Location = Location ?? settings.Location;
        foreach (var (signal, bounds) in Limits)
        {
            settings.Limits[signal] = bounds;
        }

        return settings;
    }
}
