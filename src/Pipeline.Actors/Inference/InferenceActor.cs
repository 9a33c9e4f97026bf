using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;

namespace Pipeline.Actors.Inference;

/// <summary>
/// Scores windows from every sensor in micro-batches: a batch goes to the model when it holds
/// <see cref="InferenceOptions.BatchSize"/> windows or its first window has waited <see cref="InferenceOptions.MaxBatchDelay"/>,
/// whichever comes first; each sender gets one verdict per window. The stream asks with bounded parallelism, so the
/// windows waiting here are bounded too, and a slow model slows the stream.
/// <para>
/// It also commissions sensors: a sensor without a calibration of the active model is learning — scored with the
/// model's own calibration, its verdicts marked so — while its readings are collected; after
/// <see cref="InferenceOptions.LearningReadings"/> of them its own scaler and threshold are fitted off this actor's
/// thread, stored, and used from then on. Stored calibrations are reread periodically, so that a recommission
/// (the row deleted) is noticed.
/// </para>
/// </summary>
public sealed class InferenceActor : ReceiveActor, IWithTimers
{
    private IWindowScorer _scorer;
    private ModelBundle _bundle;
    private readonly InferenceOptions _options;
    private readonly ISensorCalibrations _store;
    private readonly Func<ModelBundle, IWindowScorer>? _createScorer;
    private readonly List<(ScoreWindow Request, IActorRef ReplyTo)> _pending = [];
    private Dictionary<string, SensorCalibration> _calibrations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<float[]>> _learning = new(StringComparer.Ordinal);
    private readonly HashSet<string> _commissioning = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _batches;
    private long _windows;

    /// <param name="createScorer">Makes a scorer for a bundle (the node's backend), for commissioning; null: the portable pass.</param>
    public InferenceActor(ModelBundle bundle, IWindowScorer scorer, InferenceOptions options, ISensorCalibrations calibrations, Func<ModelBundle, IWindowScorer>? createScorer = null)
    {
        _bundle = bundle;
        _scorer = scorer;
        _options = options;
        _store = calibrations;
        _createScorer = createScorer;
        Receive<ScoreWindow>(HandleScoreWindow);
        Receive<Flush>(_ => ScorePending());
        Receive<ActivateModel>(HandleActivate);
        Receive<Commissioned>(HandleCommissioned);
        Receive<CommissioningFailed>(HandleCommissioningFailed);
        Receive<ReloadCalibrations>(_ => HandleReload());
        Receive<CalibrationsLoaded>(HandleCalibrationsLoaded);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private bool Commissions => _options.LearningReadings > 0;

    /// <summary>Readings a learning period collects: at least one more than a window, so that there is a window to calibrate on.</summary>
    private int LearningRows => Math.Max(_options.LearningReadings, _bundle.Manifest.Window + 1);

    public static Props Props(
        ModelBundle bundle, IWindowScorer scorer, InferenceOptions options, ISensorCalibrations calibrations, Func<ModelBundle, IWindowScorer>? createScorer = null) =>
        Akka.Actor.Props.Create(() => new InferenceActor(bundle, scorer, options, calibrations, createScorer));

    protected override void PreStart()
    {
        _log.Info("Scoring with model {0} on the {1} backend (batches of up to {2}, at most {3} ms wait)",
            _bundle.Version, _scorer.Backend, _options.BatchSize, _options.MaxBatchDelay.TotalMilliseconds);
        if (Commissions)
        {
            _calibrations = LoadCalibrations(_bundle);
            _log.Info("{0} sensor(s) calibrated for {1}; new sensors learn for {2} readings", _calibrations.Count, _bundle.Version, LearningRows);
            Timers.StartPeriodicTimer(nameof(ReloadCalibrations), ReloadCalibrations.Instance, _options.CalibrationReload);
        }
    }

    protected override void PostStop() => _scorer.Dispose();

    private void HandleScoreWindow(ScoreWindow request)
    {
        var window = request.Window;
        if (!window.Signals.SequenceEqual(_bundle.Manifest.Signals) || window.Length != _bundle.Manifest.Window)
        {
            Sender.Tell(new Status.Failure(new ModelBundleException(
                $"window of {window.SensorId} ({window.Length} x {string.Join(",", window.Signals)}) does not fit model {_bundle.Version} ({_bundle.Manifest.Window} x {string.Join(",", _bundle.Manifest.Signals)})")));
            return;
        }

        _pending.Add((request, Sender));
        if (_pending.Count >= _options.BatchSize)
        {
            ScorePending();
        }
        else if (_pending.Count == 1)
        {
            Timers.StartSingleTimer(nameof(Flush), Flush.Instance, _options.MaxBatchDelay);
        }
    }

    private void HandleActivate(ActivateModel activate)
    {
        var next = activate.Bundle.Manifest;
        if (next.Window != _bundle.Manifest.Window || !next.Signals.SequenceEqual(_bundle.Manifest.Signals))
        {
            activate.Scorer.Dispose();
            Sender.Tell(new Status.Failure(new ModelBundleException(
                $"model {activate.Bundle.Version} reads {next.Window} x {string.Join(",", next.Signals)}, but the sensors build {_bundle.Manifest.Window} x {string.Join(",", _bundle.Manifest.Signals)}; restart the node to change the window")));
            return;
        }

        // Between batches: what is waiting is scored by the model it arrived for.
        ScorePending();
        var previous = _bundle.Version;
        _scorer.Dispose();
        (_bundle, _scorer) = (activate.Bundle, activate.Scorer);

        // A calibration belongs to the model it was fitted for: sensors the new model has none for learn again.
        _learning.Clear();
        _commissioning.Clear();
        _calibrations = Commissions ? LoadCalibrations(_bundle) : new(StringComparer.Ordinal);
        _log.Info("Model switched from {0} to {1} ({2} backend); {3} sensor(s) calibrated for it", previous, _bundle.Version, _scorer.Backend, _calibrations.Count);
        Sender.Tell(new ModelActivated(previous, _bundle.Version));
    }

    private void ScorePending()
    {
        Timers.Cancel(nameof(Flush));
        if (_pending.Count == 0)
        {
            return;
        }

        var model = _bundle.Manifest;
        var size = model.Window * model.Signals.Length;
        var values = new float[_pending.Count * size];
        var calibrations = new SensorCalibration?[_pending.Count];
        for (var i = 0; i < _pending.Count; i++)
        {
            var window = _pending[i].Request.Window;
            var slice = values.AsSpan(i * size, size);
            window.Values.CopyTo(slice);
            if (_calibrations.TryGetValue(window.SensorId, out var calibration))
            {
                calibration.Rescale(slice, model.Scaler);
                calibrations[i] = calibration;
            }
        }

        var scores = _scorer.Score(values, _pending.Count);
        for (var i = 0; i < _pending.Count; i++)
        {
            var w = _pending[i].Request.Window;
            var threshold = calibrations[i]?.Threshold ?? model.Threshold.Total;
            var learning = Commissions && calibrations[i] is null;
            if (learning)
            {
                Learn(w.SensorId, w.Values);
            }

            _pending[i].ReplyTo.Tell(new Verdict(
                w.SensorId, w.FirstSequence, w.LastSequence, w.StartTimestampMs, w.EndTimestampMs,
                scores[i].Total, scores[i].PerSignal, model.Signals, threshold, scores[i].Total > threshold, _bundle.Version,
                Deviation(values.AsSpan(i * size, size)), learning));
        }

        _batches++;
        _windows += _pending.Count;
        if (_batches % 10_000 == 0)
        {
            _log.Info("Scored {0} windows in {1} batches", _windows, _batches);
        }

        _pending.Clear();
    }

    /// <summary>Collects a learning sensor's rows (the first window whole, then each window's newest row); when enough, commissions it.</summary>
    private void Learn(string sensorId, float[] window)
    {
        if (_commissioning.Contains(sensorId))
        {
            return;
        }

        var features = _bundle.Manifest.Signals.Length;
        if (!_learning.TryGetValue(sensorId, out var rows))
        {
            _learning[sensorId] = rows = [];
            _log.Info("Sensor {0} is learning: its own calibration of {1} comes after {2} readings; until then no anomaly alarms", sensorId, _bundle.Version, LearningRows);
            for (var t = 0; t < window.Length / features; t++)
            {
                rows.Add(window[(t * features)..((t + 1) * features)]);
            }
        }
        else
        {
            // Windows come every stride readings: the newest stride rows are the ones not seen yet.
            var fresh = Math.Min(_bundle.Manifest.Stride, window.Length / features);
            for (var t = fresh; t > 0; t--)
            {
                rows.Add(window[^(t * features)..^((t - 1) * features)]);
            }
        }

        if (rows.Count < LearningRows)
        {
            return;
        }

        _learning.Remove(sensorId);
        _commissioning.Add(sensorId);
        var model = _bundle;
        var learned = new SignalTable(model.Manifest.Signals, [.. rows], new long[rows.Count]);
        var rule = CommissioningRule.ForNode(model);
        var store = _store;
        var createScorer = _createScorer;

        // Fitting scores every learning window once: off this actor, so the other sensors' batches do not wait.
        Task.Run(async () =>
        {
            var calibration = SensorCalibration.Learn(sensorId, model, learned, rule, DateTimeOffset.UtcNow, createScorer);
            await store.SaveCalibrationAsync(calibration, CancellationToken.None).ConfigureAwait(false);
            return calibration;
        }).PipeTo(Self, success: c => new Commissioned(c), failure: e => new CommissioningFailed(sensorId, model.Version, e));
    }

    private void HandleCommissioned(Commissioned done)
    {
        var c = done.Calibration;
        _commissioning.Remove(c.SensorId);
        if (c.ModelVersion != _bundle.Version)
        {
            return; // fitted for a model that has since been replaced
        }

        _calibrations[c.SensorId] = c;
        _log.Info("Sensor {0} commissioned on {1} readings: threshold {2:0.####} (model's own {3:0.####}); anomaly alarms on",
            c.SensorId, c.Readings, c.Threshold, _bundle.Manifest.Threshold.Total);
    }

    private void HandleCommissioningFailed(CommissioningFailed failed)
    {
        _commissioning.Remove(failed.SensorId);
        _log.Error(failed.Cause, "Sensor {0} could not be commissioned for {1}; it learns again from its next readings", failed.SensorId, failed.ModelVersion);
    }

    private void HandleReload()
    {
        var model = _bundle;
        var started = DateTimeOffset.UtcNow;
        Task.Run(() => _store.LoadCalibrations(model.Version))
            .PipeTo(Self, success: loaded => new CalibrationsLoaded(model.Version, loaded, started), failure: e => new CalibrationsLoaded(model.Version, null, started));
    }

    private void HandleCalibrationsLoaded(CalibrationsLoaded loaded)
    {
        if (loaded.ModelVersion != _bundle.Version || loaded.Calibrations is null)
        {
            return;
        }

        var stored = loaded.Calibrations.ToDictionary(c => c.SensorId, StringComparer.Ordinal);
        foreach (var (sensor, calibration) in _calibrations.ToList())
        {
            // Gone from the store: recommissioned. (One fitted after this read began is simply not in it yet.)
            if (!stored.ContainsKey(sensor) && calibration.CalibratedAt < loaded.Started)
            {
                _calibrations.Remove(sensor);
                _log.Info("Sensor {0} recommissioned: learning again for {1} readings", sensor, LearningRows);
            }
        }

        foreach (var (sensor, calibration) in stored)
        {
            if (!_calibrations.ContainsKey(sensor) && !_commissioning.Contains(sensor))
            {
                _calibrations[sensor] = calibration;
                _learning.Remove(sensor);
            }
        }
    }

    private Dictionary<string, SensorCalibration> LoadCalibrations(ModelBundle model) =>
        _store.LoadCalibrations(model.Version).ToDictionary(c => c.SensorId, StringComparer.Ordinal);

    /// <summary>
    /// Each signal's mean over the window, standardised with the model's scaler — applied to values already rescaled
    /// for the sensor's own calibration, so it is in the sensor's standard units where it has one.
    /// </summary>
    private float[] Deviation(ReadOnlySpan<float> values)
    {
        var scaler = _bundle.Manifest.Scaler;
        var features = scaler.Mean.Length;
        var mean = new float[features];
        for (var i = 0; i < values.Length; i++)
        {
            mean[i % features] += values[i];
        }

        var steps = values.Length / features;
        for (var f = 0; f < features; f++)
        {
            mean[f] = ((mean[f] / steps) - scaler.Mean[f]) / scaler.Std[f];
        }

        return mean;
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }

    private sealed class ReloadCalibrations
    {
        public static readonly ReloadCalibrations Instance = new();
    }

    private sealed record Commissioned(SensorCalibration Calibration);

    private sealed record CommissioningFailed(string SensorId, string ModelVersion, Exception Cause);

    private sealed record CalibrationsLoaded(string ModelVersion, IReadOnlyList<SensorCalibration>? Calibrations, DateTimeOffset Started);
}
