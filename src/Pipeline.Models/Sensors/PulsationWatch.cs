namespace Pipeline.Models.Sensors;

/// <summary>
/// Watches one signal for pulsation — a fast oscillation such as cavitation's — which the model cannot see: a
/// window's reconstruction error averages a 0.4 Hz pulsation away. Its measure is the short-term roughness: the median
/// over the last <see cref="Span"/> readings of |x(t) - 2 x(t-1) + x(t-2)|. A ramp (a set-point change) has almost no
/// second difference, noise has a steady one, and a median ignores the few large ones of a start or a stop. The
/// signal's usual roughness is learned from its first <see cref="SensorSettings.PulsationBaseline"/> readings; the
/// signal pulsates while its roughness stays above <see cref="SensorSettings.PulsationFactor"/> x that, and stops
/// below half of it.
/// </summary>
public sealed class PulsationWatch(int baselineReadings, double factor)
{
    public const int Span = 30;

    private readonly double[] _recent = new double[Span];
    private List<double>? _learning = [];
    private double? _previous;
    private double? _beforePrevious;
    private int _count;
    private double _smallestStep = double.MaxValue;

    /// <summary>The learned usual roughness; null while learning (or when the signal never moved).</summary>
    public double? Usual { get; private set; }

    public bool Pulsating { get; private set; }

    /// <summary>The latest roughness over the usual one.</summary>
    public double Ratio { get; private set; }

    /// <summary>Adds a value; returns true when <see cref="Pulsating"/> changed.</summary>
    public bool Observe(double value)
    {
        if (_previous is { } p && _beforePrevious is { } pp)
        {
            var roughness = Math.Abs(value - (2 * p) + pp);
            _recent[_count % Span] = roughness;
            _count++;
            if (roughness > 0)
            {
                _smallestStep = Math.Min(_smallestStep, roughness);
            }
        }

        (_beforePrevious, _previous) = (_previous, value);
        if (_count < Span)
        {
            return false;
        }

        var median = Median();
        if (Usual is not { } usual)
        {
            Learn(median);
            return false;
        }

        Ratio = median / usual;
        var pulsating = Pulsating ? Ratio > factor / 2 : Ratio > factor;
        var changed = pulsating != Pulsating;
        Pulsating = pulsating;
        return changed;
    }

    private void Learn(double median)
    {
        _learning ??= [];
        _learning.Add(median);
        if (_learning.Count < baselineReadings)
        {
            return;
        }

        // A quantised steady signal's median roughness can be 0: then its resolution (the smallest step seen) is usual.
        _learning.Sort();
        var usual = Math.Max(_learning[_learning.Count / 2], _smallestStep);
        _learning = null; // a node holds thousands of these: keep only what watching needs
        if (usual < double.MaxValue)
        {
            Usual = usual;
        }
    }

    private double Median()
    {
        Span<double> sorted = stackalloc double[Span];
        _recent.CopyTo(sorted);
        sorted.Sort();
        return (sorted[(Span / 2) - 1] + sorted[Span / 2]) / 2;
    }
}
