using System.Globalization;

namespace Pipeline.Models.Alarms;

/// <summary>
/// A hint — labelled as one — at what an anomaly might be, from which signals are off and which way: each signal's mean
/// residual over the window (input minus the model's reconstruction, standard units) — off from what the model
/// expected at this operating point, not from some average level.
/// </summary>
public static class CauseHint
{
    public static string Describe(IReadOnlyList<string> signals, IReadOnlyList<float> perSignalScore, IReadOnlyList<float> residual, float threshold)
    {
        ArgumentNullException.ThrowIfNull(signals);
        ArgumentNullException.ThrowIfNull(perSignalScore);
        ArgumentNullException.ThrowIfNull(residual);
        double Dev(string s) => signals.IndexOf(s) is >= 0 and var i ? residual[i] : 0;
        var ranked = signals.Select((s, i) => (Signal: s, Score: perSignalScore[i])).OrderByDescending(x => x.Score).ToList();
        var top = ranked[0];

        // Half a standard deviation of normal operation off the expected value, over a whole window, is a clear move;
        // the flow's answer to a pressure change is smaller (the model expects part of it), a quarter is enough.
        if (Dev("pressure") < -0.5 && Dev("flow") > 0.25)
        {
            return "hint: pressure down and flow up — possible leak";
        }

        if (Dev("pressure") > 0.5 && Dev("flow") < -0.25)
        {
            return "hint: pressure up and flow down — possible blockage or closed valve";
        }

        var total = ranked.Sum(x => x.Score);
        if (top.Signal == "current" && top.Score > 0.6 * total)
        {
            return "hint: motor current alone is off — possible pump or motor (bearing) problem";
        }

        if (top.Score > 0.8 * total)
        {
            return string.Create(CultureInfo.InvariantCulture, $"hint: only {top.Signal} is off ({Direction(Dev(top.Signal))}) — possible sensor fault");
        }

        return $"hint: unusual pattern in {string.Join(" and ", ranked.Take(2).Select(x => $"{x.Signal} ({Direction(Dev(x.Signal))})"))}";
    }

    private static string Direction(double deviation) => deviation switch
    {
        > 0.5 => "high",
        < -0.5 => "low",
        _ => "fluctuating",
    };

    private static int IndexOf(this IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}
