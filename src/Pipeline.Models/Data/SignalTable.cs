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

    private SignalTable Keep(Func<int, bool> row)
    {
        var keep = Enumerable.Range(0, Count).Where(row).ToArray();
        return keep.Length == Count ? this : this with
        {
            Rows = [.. keep.Select(r => Rows[r])],
            TimestampsMs = [.. keep.Select(r => TimestampsMs[r])],
            Labels = Labels is null ? null : [.. keep.Select(r => Labels[r])],
            Changepoints = Changepoints is null ? null : [.. keep.Select(r => Changepoints[r])],
            AfterGap = [.. keep.Select((r, i) => (i > 0 && r != keep[i - 1] + 1) || (AfterGap?[r] ?? false))],
        };
    }

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
