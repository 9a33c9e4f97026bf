using System.Globalization;

namespace Pipeline.Tests.Support;

/// <summary>How big a volume spec runs: the suite's size, or the environment's for the bench scripts that run it at full size.</summary>
public static class RunSize
{
    public static int From(string variable, int suite) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : suite;
}
