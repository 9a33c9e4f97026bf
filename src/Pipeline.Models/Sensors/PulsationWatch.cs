namespace Pipeline.Models.Sensors;

/// <summary>
/// Watches one signal for pulsation — a fast oscillation such as cavitation's — which the model cannot see: a
/// window's reconstruction error averages a 0.4 Hz pulsation away. Its measure is the short-term roughness: the median
/// over the last <see cref="Span"/> readings of |x(t) - 2 x(t-1) + x(t-2)|. A ramp (a set-point change) has almost no
/// second difference, noise has a steady one, and a median ignores the few large ones of a start or a stop. The
/// signal's usual roughness is learned from its first <see cref="SensorSettings.PulsationBaseline"/> readings after it
/// first moves; the signal pulsates while its roughness stays above <see cref="SensorSettings.PulsationFactor"/> x that,
/// and stops below half of it.
/// </summary>
public sealed class PulsationWatch(int baselineReadings, double factor)
{
    public const int Span = 30;

    // Single precision and NaN for "none yet": a node holds one of these per signal of every sensor (bench/README.md,
    // "Memory per sensor"); a roughness needs no more than a float's seven digits to be compared with 8 x another.
    private readonly float[] _recent = new float[Span];
    private float[]? _learning = new float[Span];
    private int _learned;
    private double _previous = double.NaN;
    private double _beforePrevious = double.NaN;
    private int _count;
    private float _smallestStep = float.MaxValue;
    private float _usual = float.NaN;

    /// <summary>The learned usual roughness; null while learning (which starts when the signal first moves).</summary>
    public double? Usual => float.IsNaN(_usual) ? null : _usual;

    public bool Pulsating { get; private set; }

    /// <summary>The latest roughness over the usual one.</summary>
    public double Ratio { get; private set; }

    /// <summary>Adds a value; returns true when <see cref="Pulsating"/> changed.</summary>
    public bool Observe(double value)
    {
        if (!double.IsNaN(_beforePrevious))
        {
            var roughness = (float)Math.Abs(value - (2 * _previous) + _beforePrevious);
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
        // A signal that has not moved yet (a pump standing still at commissioning) teaches nothing about its roughness:
        // learned from, its zeros made the first noise after the start look like a pulsation (PulsationWatchSpecs).
        if (_learning is null || _smallestStep == float.MaxValue)
        {
            return;
        }

        if (_learned == _learning.Length)
        {
            Array.Resize(ref _learning, Math.Min(_learning.Length * 2, Math.Max(baselineReadings, Span)));
        }

        _learning[_learned++] = (float)median;
        if (_learned < baselineReadings)
        {
            return;
        }

        // A quantised steady signal's median roughness can be 0: then its resolution (the smallest step seen) is usual.
        var learned = _learning.AsSpan(0, _learned);
        learned.Sort();
        _usual = Math.Max(learned[_learned / 2], _smallestStep);
        _learning = null; // a node holds thousands of these: keep only what watching needs
    }

    // Every reading of every signal asks for this median (a sort of the 30 was 1.7 % of a busy node's CPU): selecting
    // the lower middle value leaves the upper half after it, whose smallest is the upper middle value.
    private double Median()
    {
        Span<float> values = stackalloc float[Span];
        _recent.CopyTo(values);
        var lower = SelectInPlace(values, (Span / 2) - 1);
        var upper = float.PositiveInfinity;
        foreach (var value in values[(Span / 2)..])
        {
            upper = Math.Min(upper, value);
        }

        return ((double)lower + upper) / 2;
    }

    /// <summary>
    /// Hoare's selection: leaves the k-th smallest value at index k, none larger before it and none smaller after it.
    /// </summary>
    private static float SelectInPlace(Span<float> values, int k)
    {
        var (left, right) = (0, values.Length - 1);
        while (left < right)
        {
            var pivot = values[(left + right) / 2];
            var (i, j) = (left, right);
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                break; // values[j + 1 .. i - 1] all equal the pivot, and k is among them
            }
        }

        return values[k];
    }
}
