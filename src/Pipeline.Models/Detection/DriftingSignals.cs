using Pipeline.Models.Data;

namespace Pipeline.Models.Detection;

/// <summary>
/// Signals whose level keeps moving one way through normal operation — a thermocouple warming up with the fluid, a
/// motor cooling down — found at training time. Minutes of commissioning see one point of such a signal's path, not
/// its normal range, so where a detector commissions on a short stretch (<see cref="Evaluation.EvaluationProtocol.Skab"/>)
/// their centre follows them (<see cref="DriftTracker"/>) instead of staying where commissioning left it.
/// </summary>
public static class DriftingSignals
{
    /// <summary>The normal data is cut into this many consecutive blocks, whose means are compared.</summary>
    public const int Blocks = 20;

    /// <summary>
    /// Kendall's tau of the block means against time, in absolute value, from which a signal drifts: 0.8 is nine in
    /// ten pairs of blocks ordered the same way. On SKAB's anomaly-free data the two temperatures reach 0.94 and 1.0,
    /// the next signal (flow, which wanders and comes back) 0.71.
    /// </summary>
    public const double MonotonyLimit = 0.8;

    /// <summary>Rows a block needs for its mean to say anything.</summary>
    private const int MinimumBlockRows = 10;

    /// <summary>
    /// The drifting signals of <paramref name="normal"/>, in its order; none when it is too short to tell. Where it holds
    /// several sensors, those that drift in each one's own rows long enough to tell: pumps one after another in a file
    /// each cooled through their eight simulated hours, but pooled, each starting where it started, they did not.
    /// </summary>
    public static string[] Find(SignalTable normal)
    {
        ArgumentNullException.ThrowIfNull(normal);
        if (normal.PerSensor() is { Count: > 1 } sensors)
        {
            var each = sensors.Select(s => s.Readings).Where(rows => rows.Count / Blocks >= MinimumBlockRows).Select(Find).ToList();
            return each.Count == 0 ? [] : [.. normal.Signals.Where(signal => each.TrueForAll(drifting => drifting.Contains(signal)))];
        }

        var size = normal.Count / Blocks;
        if (size < MinimumBlockRows)
        {
            return [];
        }

        return normal.Signals
            .Where((_, f) => Math.Abs(Monotony(Enumerable.Range(0, Blocks).Select(b => BlockMean(normal, f, b * size, size)).ToArray())) >= MonotonyLimit)
            .ToArray();
    }

    /// <summary>Kendall's tau of <paramref name="values"/> against their order: +1 always rising, -1 always falling.</summary>
    internal static double Monotony(IReadOnlyList<double> values)
    {
        var balance = 0;
        for (var i = 0; i < values.Count; i++)
        {
            for (var j = i + 1; j < values.Count; j++)
            {
                balance += Math.Sign(values[j] - values[i]);
            }
        }

        return balance / (values.Count * (values.Count - 1) / 2.0);
    }

    private static double BlockMean(SignalTable table, int signal, int start, int size)
    {
        var sum = 0.0;
        for (var row = start; row < start + size; row++)
        {
            sum += table.Rows[row][signal];
        }

        return sum / size;
    }
}
