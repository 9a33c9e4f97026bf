using System.Globalization;

namespace Pipeline.Models.Settings;

/// <summary>The checks settings groups share; each gives the problem's line, or nothing.</summary>
public static class SettingRules
{
    public static IEnumerable<string> Range(string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{key} is {value}; it must be between {min} and {max}");
        }
    }

    public static IEnumerable<string> Range(string key, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{key} is {value}; it must be between {min} and {max}");
        }
    }

    public static IEnumerable<string> Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            yield return $"{key} is {value}; it must be positive";
        }
    }

    public static IEnumerable<string> When(bool wrong, string problem)
    {
        if (wrong)
        {
            yield return problem;
        }
    }

    /// <summary>
    /// A value that must be one line of text (a path written into a config file, a label on a dashboard): one with a
    /// line break or another control character is named, its line breaks shown as <c>\n</c>, followed by
    /// <paramref name="why"/>.
    /// </summary>
    public static IEnumerable<string> OneLine(string key, string? value, string why) =>
        When(value is not null && value.Any(char.IsControl), $"{key} '{value?.ReplaceLineEndings("\\n")}' holds a line break or another control character{why}");
}
