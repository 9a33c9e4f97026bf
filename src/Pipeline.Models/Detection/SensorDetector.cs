using Pipeline.Models.Data;
using Pipeline.Models.Sensors;

namespace Pipeline.Models.Detection;

/// <summary>
/// One sensor's side of the detector, without I/O: it prepares each due window for the model (drifting signals'
/// shift taken off, the sensor's scaler applied through the model's), judges the model's score against the sensor's
/// calibration, and runs the learning period — collecting rows until there are enough to calibrate on. The network
/// itself runs elsewhere (the node's inference actor, or the evaluator's scorer), batched across sensors.
/// <para>
/// Call order per reading that enters the window: <see cref="Prepare"/> for the window it made due (if any), then
/// <see cref="Observe"/> with the reading's row — so a window's shift comes from the rows before its newest.
/// </para>
/// </summary>
public sealed class SensorDetector
{
    /// <summary>
    /// The learning period's rows end to end, grown by doubling up to the period: an array a row and its list slot took
    /// 48 bytes for four signals' 16 bytes of values, and 10,000 sensors in their learning period ~19 KB each (#17).
    /// </summary>
    private float[] _learned = [];
    private int _learnedRows;
    /// <summary>Only for a model that watches levels: its ring of readings is 1 KB a sensor that others need not carry.</summary>
    private readonly LevelShiftWatch? _levels;
    private DriftTracker _tracker;
    private bool _fitting;

    /// <param name="learningReadings">Rows to learn on before calibrating (at least the window plus one); 0: never learn, use the provisional calibration.</param>
    /// <param name="calibration">The sensor's stored calibration of <paramref name="model"/>, when it has one.</param>
    public SensorDetector(string sensorId, ModelBundle model, int learningReadings, SensorCalibration? calibration = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        SensorId = sensorId;
        Model = model;
        LearningRows = learningReadings == 0 ? 0 : Math.Max(learningReadings, model.Manifest.Window + 1);
        Calibration = calibration is not null && calibration.ModelVersion == model.Version ? calibration : SensorCalibration.Provisional(sensorId, model);
        IsLearning = LearningRows > 0 && Calibration.Readings == 0;
        _tracker = Commissioning.Tracker(Model.Manifest with { Scaler = new ModelManifest.ScalerSection(Calibration.Mean, Calibration.Std) });
        _levels = CommissioningRule.For(model.Manifest).WatchesLevels ? new LevelShiftWatch(model.Manifest.Signals.Length) : null;
    }

    public string SensorId { get; }

    public ModelBundle Model { get; }

    public SensorCalibration Calibration { get; private set; }

    /// <summary>Verdicts are marked learning (no alarm) until the sensor's own calibration is in place.</summary>
    public bool IsLearning { get; private set; }

    public int LearningRows { get; }

    /// <summary>Rows collected so far in the learning period.</summary>
    public int Learned => _learnedRows;

    /// <summary>
    /// The window's values as the model should see them — raw, the drifting signals' shift taken off, rescaled to the
    /// model's scaler — with the calibration it is to be judged by (the one in place now, whenever its score comes).
    /// In place: a window is its own copy of the buffer (<see cref="WindowBuffer.Snapshot"/>), made to be prepared
    /// once, so its values are the model's from here on; copying them again cost every reading ~1 KB. A judged window
    /// also carries the level shift its newest reading completes, if the calibration watches levels.
    /// </summary>
    public PreparedWindow Prepare(SensorWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var values = window.Values;
        var width = Model.Manifest.Signals.Length;
        var shift = !IsLearning && Calibration.Levels is { } levels && _levels is not null
            ? _levels.Examine(values.AsSpan(values.Length - width, width), levels, Model.Manifest.Signals)
            : null;
        _tracker.TakeOff(values);
        Calibration.Rescale(values, Model.Manifest.Scaler);
        return new PreparedWindow(window, values, Calibration, IsLearning, shift);
    }

    /// <summary>
    /// A reading's row (the model's signals, in order) that entered the window. Returns the learned rows once, when the
    /// learning period is complete: calibrate on them (<see cref="Commissioning.Calibrate"/>, off the caller's thread if
    /// it must not wait) and hand the result to <see cref="Calibrate"/>.
    /// </summary>
    public LearnedRows? Observe(float[] row)
    {
        ArgumentNullException.ThrowIfNull(row);
        _tracker.Observe(row);
        _levels?.Observe(row);
        if (!IsLearning)
        {
            return null;
        }

        Learn(row);
        if (_fitting || _learnedRows < LearningRows)
        {
            return null;
        }

        _fitting = true;
        return new LearnedRows(Model.Manifest.Signals, _learned, _learnedRows);
    }

    private void Learn(float[] row)
    {
        var width = Model.Manifest.Signals.Length;
        if ((_learnedRows + 1) * width > _learned.Length)
        {
            // Doubling up to the period; past it, rows come only while a fit runs, a few seconds' worth.
            var rows = _learnedRows < LearningRows
                ? Math.Min(Math.Max(16, _learnedRows * 2), LearningRows)
                : _learnedRows + Math.Max(16, LearningRows / 4);
            Array.Resize(ref _learned, rows * width);
        }

        row.AsSpan(0, width).CopyTo(_learned.AsSpan(_learnedRows++ * width));
    }

    private ReadOnlySpan<float> LearnedRow(int index)
    {
        var width = Model.Manifest.Signals.Length;
        return _learned.AsSpan(index * width, width);
    }

    private void ForgetLearned()
    {
        _learned = [];
        _learnedRows = 0;
    }

    /// <summary>
    /// The sensor's own calibration, fitted (or loaded) for this model: from the next window on it is judged by it. The
    /// drifting signals are followed from its centre through the rows learned since the window before the fit, as the
    /// fit itself followed them.
    /// </summary>
    public void Calibrate(SensorCalibration calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        if (calibration.ModelVersion != Model.Version)
        {
            throw new ArgumentException($"calibration of {calibration.ModelVersion} given to a detector of {Model.Version}");
        }

        Calibration = calibration;
        _tracker = Commissioning.Tracker(Model.Manifest with { Scaler = new ModelManifest.ScalerSection(calibration.Mean, calibration.Std) });
        for (var r = Model.Manifest.Window - 1; r < _learnedRows; r++)
        {
            _tracker.Observe(LearnedRow(r));
        }

        ForgetLearned();
        _fitting = false;
        IsLearning = false;
    }

    /// <summary>A fit that failed: learning starts over from the next row.</summary>
    public void LearnAgain()
    {
        ForgetLearned();
        _fitting = false;
        IsLearning = LearningRows > 0;
        Calibration = SensorCalibration.Provisional(SensorId, Model);
        _tracker = Commissioning.Tracker(Model.Manifest);
    }

    /// <summary>
    /// The model's score of a prepared window, judged against the calibration it was prepared with. An array of signals
    /// is shared by the verdicts, not copied for each: nothing changes a verdict's signals.
    /// </summary>
    public static Verdict Judge(PreparedWindow prepared, WindowScore score, IReadOnlyList<string> signals)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(signals);
        var (window, calibration) = (prepared.Window, prepared.Calibration);
        var perSignal = new float[signals.Count];
        var deviation = calibration.Deviation(score, perSignal);
        return new Verdict(
            window.SensorId, window.FirstSequence, window.LastSequence, window.StartTimestampMs, window.EndTimestampMs,
            deviation, perSignal, signals as string[] ?? [.. signals], calibration.Threshold, deviation > calibration.Threshold, calibration.ModelVersion,
            score.Residual, prepared.Learning, Shift: prepared.Shift);
    }
}

/// <summary>
/// A window ready for the model: <paramref name="Values"/> in the model's input space (the window's own values,
/// converted), the calibration (and learning state) its score is to be judged by, and the level shift its newest
/// reading completed (<see cref="LevelShiftWatch"/>), if any.
/// </summary>
public sealed record PreparedWindow(SensorWindow Window, float[] Values, SensorCalibration Calibration, bool Learning, LevelShift? Shift = null);

/// <summary>
/// A learning period's rows as the detector holds them, end to end, handed over for its calibration: <see cref="ToTable"/>
/// makes them an array a row only where the fit runs, so a sensor that waits for its turn holds the values alone. The
/// detector writes none of these rows again: it only appends, and forgets them once calibrated.
/// </summary>
public sealed class LearnedRows(IReadOnlyList<string> signals, float[] values, int count)
{
    public int Count => count;

    public SignalTable ToTable()
    {
        var width = signals.Count;
        var rows = new float[count][];
        for (var r = 0; r < count; r++)
        {
            rows[r] = values.AsSpan(r * width, width).ToArray();
        }

        return new SignalTable([.. signals], rows, new long[count]);
    }
}
