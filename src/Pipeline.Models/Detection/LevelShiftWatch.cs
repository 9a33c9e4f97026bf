using System.Globalization;

namespace Pipeline.Models.Detection;

/// <summary>
/// What a sensor's steady signals normally do, from its learning period, for <see cref="LevelShiftWatch"/>: each
/// signal's level (its mean), and how far the mean of its newest <see cref="LevelShiftWatch.RecentRows"/> readings
/// normally moves from the mean of the <see cref="LevelShiftWatch.BaselineRows"/> before them (the spread of that
/// difference). A signal with spread 0 is not watched: one that drifts through the model's training data (its level is
/// expected to move), or one that did not move at all while the sensor learned (nothing to scale a change by).
/// </summary>
public sealed record LevelBaseline(float[] Level, float[] Spread)
{
    /// <summary>The baseline of <paramref name="rows"/> (the model's signals, in order); null when too few rows to measure.</summary>
    public static LevelBaseline? Fit(IReadOnlyList<float[]> rows, IReadOnlyList<bool> watched)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(watched);
        if (rows.Count < LevelShiftWatch.Span + 1)
        {
            return null;
        }

        // The same means the watch compares, row by row, as it will compare them.
        var watch = new LevelShiftWatch(watched.Count);
        var changes = Enumerable.Range(0, watched.Count).Select(_ => new List<double>()).ToArray();
        foreach (var row in rows)
        {
            for (var f = 0; f < watched.Count && watch.IsReady; f++)
            {
                var (recent, reference) = watch.Means(f, row[f]);
                changes[f].Add(recent - reference);
            }

            watch.Observe(row);
        }

        var level = new float[watched.Count];
        var spread = new float[watched.Count];
        for (var f = 0; f < watched.Count; f++)
        {
            level[f] = (float)rows.Average(r => r[f]);
            if (!watched[f])
            {
                continue;
            }

            var mean = changes[f].Average();
            var measured = (float)Math.Sqrt(changes[f].Sum(c => (c - mean) * (c - mean)) / changes[f].Count);
            spread[f] = float.IsFinite(measured) && float.IsFinite(level[f]) ? measured : 0;
        }

        return new LevelBaseline(level, spread);
    }
}

/// <summary>
/// A fast path beside the model for sensors of a model of one operating point (<see cref="CommissioningRule.WatchesLevels"/>):
/// it sees a steady signal step away from its level within seconds, where the model's window must first fill with the
/// change (#14). For each watched signal it compares the mean of the newest <see cref="RecentRows"/> readings with the
/// mean of the <see cref="BaselineRows"/> before them, in units of the learning period's spread of that difference
/// (<see cref="LevelBaseline"/>): a change of more than <see cref="Factor"/> spreads away from the signal's learned
/// level is a shift. A change back towards the level is not (a valve opening again after it closed). Comparing with the
/// readings just before, not with the learning period, keeps the slow wandering of a steady signal out of it.
/// The anomaly alarm raises on a shift and then waits for the model to confirm it (<see cref="Alarms.AlarmSettings.ShiftConfirmWindows"/>).
/// </summary>
public sealed class LevelShiftWatch
{
    /// <summary>The newest readings, whose mean is compared.</summary>
    public const int RecentRows = 10;

    /// <summary>The readings before them: the reference.</summary>
    public const int BaselineRows = 60;

    /// <summary>
    /// A shift is a change of more than this many spreads. Cross-validated on SKAB's valve1 (docs/models.md): tuned on
    /// the even files the folds chose 6 (7 of 8 training seeds), on the odd files 4 (7 of 8); the tie goes to fewer
    /// false alarms.
    /// </summary>
    public const double Factor = 6;

    /// <summary>The readings one comparison looks at: <see cref="RecentRows"/> + <see cref="BaselineRows"/>.</summary>
    public const int Span = RecentRows + BaselineRows;

    private const int Held = Span - 1;

    private readonly int _width;
    private readonly float[] _rows;
    private int _count;
    private int _next;

    /// <param name="width">Signals per row (the model's).</param>
    public LevelShiftWatch(int width)
    {
        _width = width;
        _rows = new float[Held * width];
    }

    /// <summary>A reading's row (the model's signals, in order), in the order they come.</summary>
    public void Observe(ReadOnlySpan<float> row)
    {
        row[.._width].CopyTo(_rows.AsSpan(_next * _width, _width));
        _next = (_next + 1) % Held;
        _count = Math.Min(_count + 1, Held);
    }

    /// <summary>
    /// Whether <paramref name="newest"/>, the row about to be observed, completes a shift of a watched signal: the
    /// largest, or null (also while fewer than <see cref="RecentRows"/> + <see cref="BaselineRows"/> rows are known).
    /// </summary>
    public LevelShift? Examine(ReadOnlySpan<float> newest, LevelBaseline baseline, IReadOnlyList<string> signals)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(signals);
        if (!IsReady || baseline.Level.Length < _width || baseline.Spread.Length < _width)
        {
            return null;
        }

        LevelShift? largest = null;
        for (var f = 0; f < _width; f++)
        {
            if (baseline.Spread[f] <= 0)
            {
                continue;
            }

            var (recent, reference) = Means(f, newest[f]);
            var change = recent - reference;
            var size = change / baseline.Spread[f];
            var away = Math.Abs(recent - baseline.Level[f]) > Math.Abs(reference - baseline.Level[f]);
            if (away && Math.Abs(size) > Factor && (largest is null || Math.Abs(size) > Math.Abs(largest.Size)))
            {
                largest = new LevelShift(signals[f], (float)size);
            }
        }

        return largest;
    }

    /// <summary>Whether a whole comparison's readings but the newest are known.</summary>
    internal bool IsReady => _count == Held;

    /// <summary>
    /// Signal <paramref name="f"/>'s mean over its newest <see cref="RecentRows"/> readings, <paramref name="newest"/>
    /// the last of them, and over the <see cref="BaselineRows"/> before them (when <see cref="IsReady"/>).
    /// </summary>
    internal (double Recent, double Reference) Means(int f, float newest)
    {
        var (recent, reference) = ((double)newest, 0.0);
        for (var back = 1; back < Span; back++)
        {
            var value = _rows[(((_next - back + Held) % Held) * _width) + f];
            if (back < RecentRows)
            {
                recent += value;
            }
            else
            {
                reference += value;
            }
        }

        return (recent / RecentRows, reference / BaselineRows);
    }
}

/// <summary>A steady signal's step away from its level: <paramref name="Size"/> in spreads (<see cref="LevelBaseline"/>), signed.</summary>
public sealed record LevelShift(string Signal, float Size)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Signal} {(Size < 0 ? "fell" : "rose")} {Math.Abs(Size):0.#} x its usual change within {LevelShiftWatch.RecentRows} readings");
}
