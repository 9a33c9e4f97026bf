namespace Pipeline.Streams.Storing;

/// <summary>Closed ranges of longs, merged and sorted, for asking whether one holds a value.</summary>
internal sealed class Spans
{
    private readonly long[] _from;
    private readonly long[] _until;

    public Spans(IEnumerable<(long From, long Until)> spans)
    {
        var merged = new List<(long From, long Until)>();
        foreach (var (from, until) in spans.OrderBy(s => s.From))
        {
            if (merged.Count > 0 && from <= merged[^1].Until)
            {
                merged[^1] = (merged[^1].From, Math.Max(merged[^1].Until, until));
            }
            else
            {
                merged.Add((from, until));
            }
        }

        (_from, _until) = ([.. merged.Select(s => s.From)], [.. merged.Select(s => s.Until)]);
    }

    public bool Covers(long value)
    {
        var at = Array.BinarySearch(_from, value);
        var last = at >= 0 ? at : ~at - 1; // the last span starting at or before the value
        return last >= 0 && value <= _until[last];
    }
}
