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

    /// <summary>The same rows restricted to <paramref name="signals"/>, in that order.</summary>
    public SignalTable Select(IReadOnlyList<string> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var index = signals.Select(s => Array.IndexOf(Signals, s) is >= 0 and var i
            ? i
            : throw new ArgumentException($"signal '{s}' is not in the data (it has {string.Join(", ", Signals)})")).ToArray();
        return this with { Signals = [.. signals], Rows = Rows.Select(r => index.Select(i => r[i]).ToArray()).ToArray() };
    }

    /// <summary>Row <paramref name="row"/> as a sensor's reading: what a replay feeds the node's path.</summary>
    public Reading ReadingAt(int row, string sensorId, long sequence, long timestampMs)
    {
        var values = new Dictionary<string, double>(Signals.Length, StringComparer.Ordinal);
        for (var s = 0; s < Signals.Length; s++)
        {
            values[Signals[s]] = Rows[row][s];
        }

        return new Reading(sensorId, timestampMs, sequence, values);
    }

    public SignalTable Slice(int start, int count) => this with
    {
        Rows = Rows[start..(start + count)],
        TimestampsMs = TimestampsMs[start..(start + count)],
        Labels = Labels?[start..(start + count)],
        Changepoints = Changepoints?[start..(start + count)],
    };

    /// <summary>Every window of <paramref name="length"/> consecutive rows, every <paramref name="stride"/> rows, flattened.</summary>
    public float[] Windows(int length, int stride, out int count)
    {
        var features = Signals.Length;
        count = Count < length ? 0 : ((Count - length) / stride) + 1;
        var values = new float[count * length * features];
        for (var w = 0; w < count; w++)
        {
            for (var t = 0; t < length; t++)
            {
                Rows[(w * stride) + t].CopyTo(values, ((w * length) + t) * features);
            }
        }

        return values;
    }
}
