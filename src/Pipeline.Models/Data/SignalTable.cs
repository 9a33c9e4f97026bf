using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Data;

/// <summary>
/// Rows of named signal values in time order, with optional labels: what training and evaluation read, whatever the
/// source (our CSV, SKAB's CSV, the node's store).
/// </summary>
/// <param name="Labels">1 where the row is anomalous, when the source says.</param>
/// <param name="Changepoints">1 at the row where an anomaly starts or ends, when the source says.</param>
public sealed record SignalTable(string[] Signals, float[][] Rows, long[] TimestampsMs, int[]? Labels = null, int[]? Changepoints = null)
{
    public int Count => Rows.Length;

    /// <summary>
    /// The cells the source could not read, one line each (<c>file:line: why</c>), for the command to report; each is
    /// NaN in <see cref="Rows"/>: a reading that lacks that signal.
    /// </summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>
    /// Rows that follow rows the source or a filter left out (<see cref="CompleteRows"/>, <see cref="NormalRows"/>): no
    /// window of <see cref="Windows"/> spans one, so a model never learns the jump across what was taken out.
    /// </summary>
    public bool[]? AfterGap { get; init; }

    /// <summary>Each row's sensor, when the source names one (our CSV's <c>sensor</c> column); null when it names none.</summary>
    public string[]? Sensors { get; init; }

    /// <summary>The sensors the rows belong to, in the order they first appear; none when the source names none.</summary>
    public IReadOnlyList<string> SensorIds => [.. RowsBySensor().Select(s => s.Sensor)];

    /// <summary>The numbers of <paramref name="sensorId"/>'s rows in this table, in order.</summary>
    public int[] RowsOf(string sensorId) => Sensors is null ? [] : [.. Enumerable.Range(0, Count).Where(r => Sensors[r] == sensorId)];

    /// <summary>
    /// One sensor's rows, in order — what the node's actor for that sensor would have seen: the rows of other sensors
    /// between them are no gap, the gaps among its own rows stay.
    /// </summary>
    public SignalTable OfSensor(string sensorId) => Of(RowsOf(sensorId));

    /// <summary>
    /// Each sensor's rows as <see cref="OfSensor"/> takes them, with their numbers in this table, in the order the
    /// sensors first appear: one pass, for a file of thousands of sensors.
    /// </summary>
    public IReadOnlyList<(string Sensor, int[] Rows, SignalTable Readings)> PerSensor() =>
        [.. RowsBySensor().Select(s => (s.Sensor, s.Rows, Of(s.Rows)))];

    /// <summary>
    /// The rows grouped by sensor, each sensor's after the one before, each sensor's first row after a gap: no window
    /// of <see cref="Windows"/> mixes two sensors' readings (a file of several pumps, as <c>pipeline simulate --csv</c>
    /// writes). The table itself when it has one sensor or names none.
    /// </summary>
    public SignalTable BySensor()
    {
        if (RowsBySensor() is not { Count: > 1 } sensors)
        {
            return this;
        }

        var rows = sensors.SelectMany(s => s.Rows).ToArray();
        return Take(rows, i => i > 0 && (Sensors![rows[i]] != Sensors[rows[i - 1]] || (AfterGap?[rows[i]] ?? false)));
    }

    /// <summary>
    /// The parts' rows one after another — the files of a folder, the sensors of a store. Each part's first row (of
    /// each sensor, where the part names them) is after a gap, as are the rows after a gap within a part: no window
    /// spans two parts, whose readings need not follow each other. Labels, change points and sensors are kept where
    /// every part has them.
    /// </summary>
    public static SignalTable Concat(IReadOnlyList<SignalTable> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0 || parts.Skip(1).Any(p => !p.Signals.SequenceEqual(parts[0].Signals)))
        {
            throw new ArgumentException("tables to put one after another must be one or more, with the same signals", nameof(parts));
        }

        return new SignalTable(
            parts[0].Signals,
            [.. parts.SelectMany(p => p.Rows)],
            [.. parts.SelectMany(p => p.TimestampsMs)],
            parts.All(p => p.Labels is not null) ? [.. parts.SelectMany(p => p.Labels!)] : null,
            parts.All(p => p.Changepoints is not null) ? [.. parts.SelectMany(p => p.Changepoints!)] : null)
        {
            Problems = [.. parts.SelectMany(p => p.Problems)],
            AfterGap = [.. parts.SelectMany(StartsAndGaps)],
            Sensors = parts.All(p => p.Sensors is not null) ? [.. parts.SelectMany(p => p.Sensors!)] : null,
        };
    }

    /// <summary>For each row of one part: whether it is the part's first (of its sensor, where it names them) or after a gap within it.</summary>
    private static IEnumerable<bool> StartsAndGaps(SignalTable part)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var r = 0; r < part.Count; r++)
        {
            var first = part.Sensors is null ? r == 0 : seen.Add(part.Sensors[r]);
            yield return first || (part.AfterGap?[r] ?? false);
        }
    }

    /// <summary>The rows measured from <paramref name="fromMs"/> (inclusive) until <paramref name="untilMs"/> (exclusive).</summary>
    public SignalTable MeasuredBetween(long fromMs, long untilMs) => Keep(r => TimestampsMs[r] >= fromMs && TimestampsMs[r] < untilMs);

    /// <summary>The rows with every signal, for what needs complete rows (training, fine-tuning): a row with an unreadable cell is left out.</summary>
    public SignalTable CompleteRows() => Keep(r => !Array.Exists(Rows[r], float.IsNaN));

    /// <summary>
    /// The rows not labelled anomalous, for what must learn normal operation (training, fine-tuning, recalibration): a
    /// labelled file's faults, or a store's readings in windows the node judged anomalous.
    /// </summary>
    public SignalTable NormalRows() => Labels is { } labels ? Keep(r => labels[r] != 1) : this;

    /// <summary>The runs of consecutive rows labelled anomalous, first and last row of each, in order; none without labels.</summary>
    public IReadOnlyList<(int First, int Last)> AnomalousRuns()
    {
        var runs = new List<(int First, int Last)>();
        for (var r = 0; Labels is { } labels && r < Count; r++)
        {
            if (labels[r] != 1)
            {
                continue;
            }

            if (runs.Count > 0 && runs[^1].Last == r - 1)
            {
                runs[^1] = (runs[^1].First, r);
            }
            else
            {
                runs.Add((r, r));
            }
        }

        return runs;
    }

    /// <summary>Each sensor's row numbers, in the order the sensors first appear; none when the source names none.</summary>
    private List<(string Sensor, int[] Rows)> RowsBySensor()
    {
        var bySensor = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var r = 0; Sensors is not null && r < Count; r++)
        {
            if (!bySensor.TryGetValue(Sensors[r], out var rows))
            {
                bySensor[Sensors[r]] = rows = [];
                order.Add(Sensors[r]);
            }

            rows.Add(r);
        }

        return [.. order.Select(sensor => (sensor, bySensor[sensor].ToArray()))];
    }

    /// <summary>Rows <paramref name="rows"/> of one sensor: the gaps among them stay, other sensors' rows between them are none.</summary>
    private SignalTable Of(int[] rows) => Take(rows, i => AfterGap?[rows[i]] ?? false);

    /// <summary>The rows that pass <paramref name="row"/>; where rows were left out, the next one is after a gap.</summary>
    private SignalTable Keep(Func<int, bool> row)
    {
        var keep = Enumerable.Range(0, Count).Where(row).ToArray();
        return keep.Length == Count ? this : Take(keep, i => (i > 0 && keep[i] != keep[i - 1] + 1) || (AfterGap?[keep[i]] ?? false));
    }

    /// <summary>Rows <paramref name="rows"/> of this table, in that order, each after a gap where <paramref name="afterGap"/> says so of its index.</summary>
    private SignalTable Take(int[] rows, Func<int, bool> afterGap) => this with
    {
        Rows = [.. rows.Select(r => Rows[r])],
        TimestampsMs = [.. rows.Select(r => TimestampsMs[r])],
        Labels = Labels is null ? null : [.. rows.Select(r => Labels[r])],
        Changepoints = Changepoints is null ? null : [.. rows.Select(r => Changepoints[r])],
        AfterGap = [.. rows.Select((_, i) => afterGap(i))],
        Sensors = Sensors is null ? null : [.. rows.Select(r => Sensors[r])],
    };

    /// <summary>The same rows restricted to <paramref name="signals"/>, in that order.</summary>
    public SignalTable Select(IReadOnlyList<string> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var index = signals.Select(s => Array.IndexOf(Signals, s) is >= 0 and var i
            ? i
            : throw new ArgumentException($"signal '{s}' is not in the data (it has {string.Join(", ", Signals)})")).ToArray();
        return this with { Signals = [.. signals], Rows = Rows.Select(r => index.Select(i => r[i]).ToArray()).ToArray() };
    }

    /// <summary>
    /// The same rows over <paramref name="signals"/>, in that order, NaN where the table has no such signal: parts of
    /// data whose sources carried different signals (a store's sensors) put side by side before <see cref="Concat"/>.
    /// </summary>
    public SignalTable Aligned(IReadOnlyList<string> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.SequenceEqual(Signals))
        {
            return this;
        }

        var index = signals.Select(s => Array.IndexOf(Signals, s)).ToArray();
        return this with { Signals = [.. signals], Rows = [.. Rows.Select(r => index.Select(i => i >= 0 ? r[i] : float.NaN).ToArray())] };
    }

    /// <summary>
    /// Row <paramref name="row"/> as a sensor's reading: what a replay feeds the node's path. An unreadable cell is a
    /// signal the reading lacks, as a device's reading without it would be.
    /// </summary>
    public Reading ReadingAt(int row, string sensorId, long sequence, long timestampMs)
    {
        var values = new Dictionary<string, double>(Signals.Length, StringComparer.Ordinal);
        for (var s = 0; s < Signals.Length; s++)
        {
            if (!float.IsNaN(Rows[row][s]))
            {
                values[Signals[s]] = Rows[row][s];
            }
        }

        return new Reading(sensorId, timestampMs, sequence, values);
    }

    public SignalTable Slice(int start, int count) => this with
    {
        Rows = Rows[start..(start + count)],
        TimestampsMs = TimestampsMs[start..(start + count)],
        Labels = Labels?[start..(start + count)],
        Changepoints = Changepoints?[start..(start + count)],
        AfterGap = AfterGap?[start..(start + count)],
        Sensors = Sensors?[start..(start + count)],
    };

    /// <summary>
    /// Every window of <paramref name="length"/> consecutive rows, every <paramref name="stride"/> rows, flattened; none
    /// spans a gap (<see cref="AfterGap"/>): after one, the windows start again at the row after it.
    /// </summary>
    public float[] Windows(int length, int stride, out int count)
    {
        var starts = WindowStarts(length, stride);
        count = starts.Count;
        var size = length * Signals.Length;
        var values = new float[count * size];
        for (var w = 0; w < count; w++)
        {
            CopyWindow(starts[w], length, values.AsSpan(w * size, size));
        }

        return values;
    }

    /// <summary>How many windows <see cref="Windows"/> makes, without making them.</summary>
    public int WindowCount(int length, int stride) => WindowStarts(length, stride).Count;

    private List<int> WindowStarts(int length, int stride)
    {
        var starts = new List<int>();
        for (var run = 0; run < Count;)
        {
            var end = run + 1;
            while (end < Count && !(AfterGap?[end] ?? false))
            {
                end++;
            }

            for (var start = run; start + length <= end; start += stride)
            {
                starts.Add(start);
            }

            run = end;
        }

        return starts;
    }

    /// <summary>The <paramref name="length"/> rows from <paramref name="start"/> on, flattened into <paramref name="into"/>.</summary>
    public void CopyWindow(int start, int length, Span<float> into)
    {
        var features = Signals.Length;
        for (var t = 0; t < length; t++)
        {
            Rows[start + t].CopyTo(into.Slice(t * features, features));
        }
    }
}
