using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// The last W samples of a sensor in a ring buffer. <see cref="Append"/> allocates nothing; only an emitted window
/// (every <see cref="WindowSpec.Stride"/> samples once full) is copied out, oldest first.
/// <para>
/// Each sample's sequence number and time are kept as 32-bit offsets from a base, not as two longs: a node holds one
/// buffer per sensor, and the offsets save 480 bytes of a 60-sample window (bench/README.md, "Memory per sensor").
/// The base moves up to the oldest sample when an offset would not fit; a sample that does not fit even then — more than
/// about 24 days or 2^31 sequence numbers after the oldest one kept — starts the window over, as any hole does.
/// </para>
/// </summary>
public sealed class WindowBuffer
{
    private readonly WindowSpec _spec;
    private readonly string[] _signals;
    private readonly float[] _values;
    private readonly int[] _sequences; // offsets from _sequenceBase
    private readonly int[] _timestamps; // offsets from _timeBase, in ms
    private long _sequenceBase;
    private long _timeBase;
    private int _next;
    private int _count;
    private long _sinceEmit;
    private bool _emitted;

    public WindowBuffer(WindowSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        _spec = spec;
        _signals = [.. spec.Signals]; // a plain array: windows cross the wire between cluster nodes
        _values = new float[spec.Length * spec.Width];
        _sequences = new int[spec.Length];
        _timestamps = new int[spec.Length];
    }

    public WindowSpec Spec => _spec;

    /// <summary>Samples held, up to the window length.</summary>
    public int Count => _count;

    public bool IsFull => _count == _spec.Length;

    /// <summary>The signal of the spec that <paramref name="reading"/> lacks, or null when it has them all.</summary>
    public string? MissingSignal(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        for (var s = 0; s < _spec.Width; s++) // not foreach: an interface's enumerator is an allocation per reading
        {
            if (!reading.Values.ContainsKey(_spec.Signals[s]))
            {
                return _spec.Signals[s];
            }
        }

        return null;
    }

    /// <summary>
    /// Adds a sample (the caller has checked <see cref="MissingSignal"/>). Returns true when a window is due:
    /// the buffer is full and <see cref="WindowSpec.Stride"/> samples arrived since the last one.
    /// </summary>
    public bool Append(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (!FitsOffsets(reading))
        {
            Clear();
        }

        if (_count == 0)
        {
            (_sequenceBase, _timeBase) = (reading.Sequence, reading.TimestampMs);
        }

        var row = _next * _spec.Width;
        for (var s = 0; s < _spec.Width; s++)
        {
            _values[row + s] = (float)reading.Values[_spec.Signals[s]];
        }

        _sequences[_next] = (int)(reading.Sequence - _sequenceBase);
        _timestamps[_next] = (int)(reading.TimestampMs - _timeBase);
        _next = (_next + 1) % _spec.Length;
        if (_count < _spec.Length)
        {
            _count++;
        }

        _sinceEmit++;
        if (!IsFull || (_emitted && _sinceEmit < _spec.Stride))
        {
            return false;
        }

        // The first window is due as soon as the buffer is full; after that, every stride samples.
        _emitted = true;
        _sinceEmit = 0;
        return true;
    }

    /// <summary>
    /// Whether the reading's sequence and time fit as offsets, moving the base up to the oldest sample that stays when
    /// they would not. False: they do not fit even from there.
    /// </summary>
    private bool FitsOffsets(Reading reading)
    {
        if (_count == 0 || (Fits(reading.Sequence - _sequenceBase) && Fits(reading.TimestampMs - _timeBase)))
        {
            return true;
        }

        var length = _spec.Length;
        var oldest = IsFull ? (_next + 1) % length : (_next - _count + length) % length; // the oldest kept after this one
        var (sequenceShift, timeShift) = (_sequences[oldest], _timestamps[oldest]);
        if (!Fits(reading.Sequence - _sequenceBase - sequenceShift) || !Fits(reading.TimestampMs - _timeBase - timeShift))
        {
            return false;
        }

        _sequenceBase += sequenceShift;
        _timeBase += timeShift;
        for (var i = 0; i < length; i++)
        {
            _sequences[i] = unchecked(_sequences[i] - sequenceShift); // slots not kept may wrap: never read
            _timestamps[i] = unchecked(_timestamps[i] - timeShift);
        }

        return true;

        static bool Fits(long offset) => offset is >= int.MinValue and <= int.MaxValue;
    }

    /// <summary>The reading's values of the window's signals, in the window's order.</summary>
    public float[] Row(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        var row = new float[_spec.Width];
        for (var s = 0; s < _spec.Width; s++)
        {
            row[s] = (float)reading.Values[_spec.Signals[s]];
        }

        return row;
    }

    /// <summary>Forgets every sample: no window spans a hole in the data.</summary>
    public void Clear()
    {
        _next = 0;
        _count = 0;
        _sinceEmit = 0;
        _emitted = false;
    }

    /// <summary>The current window, oldest first; only valid when <see cref="IsFull"/>. Its array comes from <paramref name="arrays"/> when given.</summary>
    public SensorWindow Snapshot(string sensorId, WindowArrays? arrays = null)
    {
        if (!IsFull)
        {
            throw new InvalidOperationException($"the window holds {_count} of {_spec.Length} samples");
        }

        var width = _spec.Width;
        var values = arrays?.Rent(_values.Length) ?? new float[_values.Length];
        var oldest = _next; // when full, the next slot to overwrite is the oldest sample
        var tail = (_spec.Length - oldest) * width;
        Array.Copy(_values, oldest * width, values, 0, tail);
        Array.Copy(_values, 0, values, tail, oldest * width);
        var newest = (_next + _spec.Length - 1) % _spec.Length;
        return new SensorWindow(sensorId, _signals, _spec.Length, values,
            _sequenceBase + _sequences[oldest], _sequenceBase + _sequences[newest], _timeBase + _timestamps[oldest], _timeBase + _timestamps[newest]);
    }
}
