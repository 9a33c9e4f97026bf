namespace Pipeline.Models.Detection;

/// <summary>
/// Follows the level of the drifting signals with an exponential moving average (<see cref="Rate"/> per row), from the
/// centre commissioning found: <see cref="Shift"/> is how far each has moved since, zero for the others. The shift
/// after row t is applied to the window ending at row t + 1, so a verdict still reads rows up to its own only.
/// </summary>
public sealed class DriftTracker
{
    /// <summary>A time constant of ten rows; on SKAB's valve1 anything from 0.05 to 0.5 scored about the same (docs/models.md).</summary>
    public const double Rate = 0.1;

    private readonly double[] _start;
    private readonly double[] _centre;
    private readonly int[] _tracked;

    public DriftTracker(float[] centre, IReadOnlyList<int> tracked)
    {
        ArgumentNullException.ThrowIfNull(centre);
        ArgumentNullException.ThrowIfNull(tracked);
        _start = centre.Select(c => (double)c).ToArray();
        _centre = _start.ToArray();
        _tracked = [.. tracked];
    }

    /// <summary>The tracked centre minus the starting centre, per signal.</summary>
    public float[] Shift => _centre.Select((c, f) => (float)(c - _start[f])).ToArray();

    public void Observe(ReadOnlySpan<float> row)
    {
        foreach (var f in _tracked)
        {
            _centre[f] += Rate * (row[f] - _centre[f]);
        }
    }

    /// <summary>Takes the current shift off raw window values (W x F), in place.</summary>
    public void TakeOff(Span<float> values)
    {
        if (_tracked.Length == 0)
        {
            return;
        }

        var features = _centre.Length;
        for (var i = 0; i < values.Length; i++)
        {
            var f = i % features;
            values[i] -= (float)(_centre[f] - _start[f]);
        }
    }
}
