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
}
