using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;

namespace Pipeline.Actors.Inference;

/// <summary>
/// Scores windows from every sensor in micro-batches: a batch goes to the model when it holds
/// <see cref="InferenceOptions.BatchSize"/> windows or its first window has waited <see cref="InferenceOptions.MaxBatchDelay"/>,
/// whichever comes first — with no delay (the default), as soon as the windows already waiting in the mailbox are in
/// it, so a quiet node scores each window at once and a busy one in big batches. A <see cref="ScoreWindow"/> gets its
/// verdict; a <see cref="ScoreWindows"/> (the stream's: the windows of one store batch) one reply with all of its
/// verdicts in order, however many model batches its windows fell into. The stream asks with bounded parallelism, so
/// the windows waiting here are bounded too, and a slow model slows the stream.
/// <para>
/// A sensor is scored with the active model unless its settings pin it to another bundle (<c>Model</c>); a batch that
/// mixes sensors of several models goes to each model with its own windows.
/// </para>
/// <para>
/// It also commissions sensors: a sensor without a calibration of its model is learning — scored with the model's own
/// calibration, its verdicts marked so — while its readings are collected; after
/// <see cref="InferenceOptions.LearningReadings"/> of them its own scaler and threshold are fitted off this actor's
/// thread, stored, and used from then on. Stored calibrations are reread periodically, so that a recommission
/// (the row deleted) is noticed.
/// </para>
/// </summary>
public sealed class InferenceActor : ReceiveActor, IWithTimers
{
    private ScoringModel _active;
    private readonly Dictionary<string, ScoringModel> _pinned;
    private readonly Func<string, string?> _modelOf;
    private readonly InferenceOptions _options;
    private readonly ISensorCalibrations _store;
    private readonly Func<ModelBundle, IWindowScorer> _createScorer;
    private readonly List<Pending> _pending = [];
    private Dictionary<string, SensorCalibration> _calibrations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<float[]>> _learning = new(StringComparer.Ordinal);
    private readonly HashSet<string> _commissioning = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _flushScheduled;
    private long _batches;
    private long _windows;

    /// <param name="createScorer">Makes a scorer for a bundle (the node's backend): for pinned models and commissioning; null: the portable pass.</param>
    /// <param name="pinned">Bundles sensors are pinned to, by name (<c>Pipeline:Sensors:ID:Model</c>).</param>
    /// <param name="modelOf">The model a sensor is pinned to, or null for the active one.</param>
    public InferenceActor(
        ModelBundle bundle,
        IWindowScorer scorer,
        InferenceOptions options,
        ISensorCalibrations calibrations,
        Func<ModelBundle, IWindowScorer>? createScorer = null,
        IReadOnlyDictionary<string, ModelBundle>? pinned = null,
        Func<string, string?>? modelOf = null)
    {
        _active = new ScoringModel(bundle, scorer);
        _options = options;
        _store = calibrations;
        _createScorer = createScorer ?? (b => new PortableDetector(b));
        _pinned = (pinned ?? new Dictionary<string, ModelBundle>()).ToDictionary(p => p.Key, p => new ScoringModel(p.Value, _createScorer(p.Value)), StringComparer.Ordinal);
        _modelOf = modelOf ?? (_ => null);
        Receive<ScoreWindow>(HandleScoreWindow);
        Receive<ScoreWindows>(HandleScoreWindows);
        Receive<Flush>(_ => ScorePending());
        Receive<ActivateModel>(HandleActivate);
        Receive<Commissioned>(HandleCommissioned);
        Receive<CommissioningFailed>(HandleCommissioningFailed);
        Receive<ReloadCalibrations>(_ => HandleReload());
        Receive<CalibrationsLoaded>(HandleCalibrationsLoaded);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private bool Commissions => _options.LearningReadings > 0;

    private IEnumerable<ScoringModel> Models => _pinned.Values.Prepend(_active);

    /// <summary>Readings a learning period of <paramref name="model"/> collects: at least one window's worth more, to calibrate on.</summary>
    private int LearningRows(ModelBundle model) => Math.Max(_options.LearningReadings, model.Manifest.Window + 1);

    public static Props Props(
        ModelBundle bundle,
        IWindowScorer scorer,
        InferenceOptions options,
        ISensorCalibrations calibrations,
        Func<ModelBundle, IWindowScorer>? createScorer = null,
        IReadOnlyDictionary<string, ModelBundle>? pinned = null,
        Func<string, string?>? modelOf = null) =>
        Akka.Actor.Props.Create(() => new InferenceActor(bundle, scorer, options, calibrations, createScorer, pinned, modelOf));

    protected override void PreStart()
    {
        _log.Info("Scoring with model {0} on the {1} backend (batches of up to {2}, at most {3} ms wait){4}",
            _active.Bundle.Version, _active.Scorer.Backend, _options.BatchSize, _options.MaxBatchDelay.TotalMilliseconds,
            _pinned.Count == 0 ? string.Empty : "; pinned: " + string.Join(", ", _pinned.Select(p => $"{p.Key} = {p.Value.Bundle.Version}")));
        if (Commissions)
        {
            _calibrations = Valid(Models.SelectMany(m => _store.LoadCalibrationsAsync(m.Bundle.Version, CancellationToken.None).GetAwaiter().GetResult()));
            _log.Info("{0} sensor(s) calibrated for {1}; new sensors learn for {2} readings",
                _calibrations.Count, string.Join(", ", Models.Select(m => m.Bundle.Version)), _options.LearningReadings);
            Timers.StartPeriodicTimer(nameof(ReloadCalibrations), ReloadCalibrations.Instance, _options.CalibrationReload);
        }
    }

    protected override void PostStop()
    {
        foreach (var model in Models)
        {
            model.Scorer.Dispose();
        }
    }

    /// <summary>The model a sensor is scored with: its pinned one, else the active one.</summary>
    private ScoringModel ModelOf(string sensorId) =>
        _modelOf(sensorId) is { } name && _pinned.TryGetValue(name, out var pinned) ? pinned : _active;

    private void HandleScoreWindow(ScoreWindow request)
    {
        if (Misfit(request.Window) is { } misfit)
        {
            Sender.Tell(new Status.Failure(misfit));
            return;
        }

        Enqueue([request.Window], new SingleReply(Sender));
    }

    private void HandleScoreWindows(ScoreWindows request)
    {
        if (request.Windows.Select(Misfit).FirstOrDefault(m => m is not null) is { } misfit)
        {
            Sender.Tell(new Status.Failure(misfit));
            return;
        }

        if (request.Windows.Count == 0)
        {
            Sender.Tell(new WindowsScored([]));
            return;
        }

        Enqueue(request.Windows, new BatchReply(Sender, request.Windows.Count));
    }

    private ModelBundleException? Misfit(SensorWindow window)
    {
        var model = ModelOf(window.SensorId);
        var manifest = model.Bundle.Manifest;
        return window.Signals.SequenceEqual(manifest.Signals) && window.Length == manifest.Window
            ? null
            : new ModelBundleException(
                $"window of {window.SensorId} ({window.Length} x {string.Join(",", window.Signals)}) does not fit model {model.Bundle.Version} ({manifest.Window} x {string.Join(",", manifest.Signals)})");
    }

    private void Enqueue(IReadOnlyList<SensorWindow> windows, Reply reply)
    {
        for (var i = 0; i < windows.Count; i++)
        {
            _pending.Add(new Pending(windows[i], reply, i, ModelOf(windows[i].SensorId)));
            if (_pending.Count >= _options.BatchSize)
            {
                ScorePending();
            }
        }

        if (_pending.Count == 0 || _flushScheduled)
        {
            return;
        }

        _flushScheduled = true;
        if (_options.MaxBatchDelay == TimeSpan.Zero)
        {
            // The flush queues behind the windows already in the mailbox: the batch is what arrived meanwhile.
            Self.Tell(Flush.Instance);
        }
        else
        {
            Timers.StartSingleTimer(nameof(Flush), Flush.Instance, _options.MaxBatchDelay);
        }
    }

    private void HandleActivate(ActivateModel activate)
    {
        var current = _active.Bundle.Manifest;
        var next = activate.Bundle.Manifest;
        if (next.Window != current.Window || !next.Signals.SequenceEqual(current.Signals))
        {
            activate.Scorer.Dispose();
            Sender.Tell(new Status.Failure(new ModelBundleException(
                $"model {activate.Bundle.Version} reads {next.Window} x {string.Join(",", next.Signals)}, but the sensors build {current.Window} x {string.Join(",", current.Signals)}; restart the node to change the window")));
            return;
        }

        // Between batches: what is waiting is scored by the model it arrived for.
        ScorePending();
        var previous = _active;
        previous.Scorer.Dispose();
        _active = new ScoringModel(activate.Bundle, activate.Scorer);

        // A calibration belongs to the model it was fitted for: the active model's sensors learn again unless it has theirs.
        foreach (var sensor in _learning.Keys.Concat(_calibrations.Keys).Where(s => ModelOf(s) == _active).ToList())
        {
            _learning.Remove(sensor);
            _calibrations.Remove(sensor);
        }

        if (Commissions)
        {
            foreach (var (sensor, calibration) in Valid(_store.LoadCalibrationsAsync(_active.Bundle.Version, CancellationToken.None).GetAwaiter().GetResult()))
            {
                _calibrations[sensor] = calibration;
            }
        }

        _log.Info("Model switched from {0} to {1} ({2} backend)", previous.Bundle.Version, _active.Bundle.Version, _active.Scorer.Backend);
        Sender.Tell(new ModelActivated(previous.Bundle.Version, _active.Bundle.Version));
    }

    private void ScorePending()
    {
        Timers.Cancel(nameof(Flush));
        _flushScheduled = false;
        if (_pending.Count == 0)
        {
            return;
        }

        foreach (var group in _pending.GroupBy(p => p.Model))
        {
            Score(group.Key, [.. group]);
        }

        _batches++;
        _windows += _pending.Count;
        if (_batches % 10_000 == 0)
        {
            _log.Info("Scored {0} windows in {1} batches", _windows, _batches);
        }

        _pending.Clear();
    }

    private void Score(ScoringModel scoring, List<Pending> batch)
    {
        var model = scoring.Bundle.Manifest;
        var size = model.Window * model.Signals.Length;
        var values = new float[batch.Count * size];
        var calibrations = new SensorCalibration?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var window = batch[i].Window;
            var slice = values.AsSpan(i * size, size);
            window.Values.CopyTo(slice);
            if (_calibrations.TryGetValue(window.SensorId, out var calibration))
            {
                calibration.Rescale(slice, model.Scaler);
                calibrations[i] = calibration;
            }
        }

        var scores = scoring.Scorer.Score(values, batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var w = batch[i].Window;
            var threshold = calibrations[i]?.Threshold ?? model.Threshold.Total;
            var learning = Commissions && calibrations[i] is null;
            if (learning)
            {
                Learn(w.SensorId, scoring.Bundle, w.Values);
            }

            batch[i].Reply.Deliver(batch[i].Index, new Verdict(
                w.SensorId, w.FirstSequence, w.LastSequence, w.StartTimestampMs, w.EndTimestampMs,
                scores[i].Total, scores[i].PerSignal, model.Signals, threshold, scores[i].Total > threshold, scoring.Bundle.Version,
                scores[i].Residual, learning));
        }
    }

    /// <summary>Collects a learning sensor's rows (the first window whole, then each window's newest rows); when enough, commissions it.</summary>
    private void Learn(string sensorId, ModelBundle model, float[] window)
    {
        if (_commissioning.Contains(sensorId))
        {
            return;
        }

        var features = model.Manifest.Signals.Length;
        var learningRows = LearningRows(model);
        if (!_learning.TryGetValue(sensorId, out var rows))
        {
            _learning[sensorId] = rows = [];
            _log.Info("Sensor {0} is learning: its own calibration of {1} comes after {2} readings; until then no anomaly alarms", sensorId, model.Version, learningRows);
            for (var t = 0; t < window.Length / features; t++)
            {
                rows.Add(window[(t * features)..((t + 1) * features)]);
            }
        }
        else
        {
            // Windows come every stride readings: the newest stride rows are the ones not seen yet.
            var fresh = Math.Min(model.Manifest.Stride, window.Length / features);
            for (var t = fresh; t > 0; t--)
            {
                rows.Add(window[^(t * features)..^((t - 1) * features)]);
            }
        }

        if (rows.Count < learningRows)
        {
            return;
        }

        _learning.Remove(sensorId);
        _commissioning.Add(sensorId);
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
        var model = ModelOf(c.SensorId).Bundle;
        if (c.ModelVersion != model.Version)
        {
            return; // fitted for a model that has since been replaced
        }

        _calibrations[c.SensorId] = c;
        _log.Info("Sensor {0} commissioned on {1} readings: threshold {2:0.####} (model's own {3:0.####}); anomaly alarms on",
            c.SensorId, c.Readings, c.Threshold, model.Manifest.Threshold.Total);
    }

    private void HandleCommissioningFailed(CommissioningFailed failed)
    {
        _commissioning.Remove(failed.SensorId);
        _log.Error(failed.Cause, "Sensor {0} could not be commissioned for {1}; it learns again from its next readings", failed.SensorId, failed.ModelVersion);
    }

    private void HandleReload()
    {
        var versions = Models.Select(m => m.Bundle.Version).ToList();
        var started = DateTimeOffset.UtcNow;
        Task.Run(async () => (IReadOnlyList<SensorCalibration>)(await Task.WhenAll(versions.Select(v => _store.LoadCalibrationsAsync(v, CancellationToken.None))).ConfigureAwait(false)).SelectMany(c => c).ToList())
            .PipeTo(Self, success: loaded => new CalibrationsLoaded(loaded, started), failure: _ => new CalibrationsLoaded(null, started));
    }

    private void HandleCalibrationsLoaded(CalibrationsLoaded loaded)
    {
        if (loaded.Calibrations is null)
        {
            return;
        }

        var stored = Valid(loaded.Calibrations);
        foreach (var (sensor, calibration) in _calibrations.ToList())
        {
            // Gone from the store: recommissioned. (One fitted after this read began is simply not in it yet.)
            if (!stored.ContainsKey(sensor) && calibration.CalibratedAt < loaded.Started)
            {
                _calibrations.Remove(sensor);
                _log.Info("Sensor {0} recommissioned: learning again for {1} readings", sensor, LearningRows(ModelOf(sensor).Bundle));
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

    /// <summary>The calibrations that belong to the model each sensor is scored with now.</summary>
    private Dictionary<string, SensorCalibration> Valid(IEnumerable<SensorCalibration> calibrations) =>
        calibrations.Where(c => c.ModelVersion == ModelOf(c.SensorId).Bundle.Version).ToDictionary(c => c.SensorId, StringComparer.Ordinal);

    /// <summary>A window waiting for the next batch: whom its verdict goes to, and the model it arrived for.</summary>
    private sealed record Pending(SensorWindow Window, Reply Reply, int Index, ScoringModel Model);

    private abstract class Reply
    {
        public abstract void Deliver(int index, Verdict verdict);
    }

    private sealed class SingleReply(IActorRef to) : Reply
    {
        public override void Deliver(int index, Verdict verdict) => to.Tell(verdict);
    }

    /// <summary>Collects a <see cref="ScoreWindows"/> request's verdicts (it may span batches) and replies once with all.</summary>
    private sealed class BatchReply(IActorRef to, int count) : Reply
    {
        private readonly Verdict[] _verdicts = new Verdict[count];
        private int _missing = count;

        public override void Deliver(int index, Verdict verdict)
        {
            _verdicts[index] = verdict;
            if (--_missing == 0)
            {
                to.Tell(new WindowsScored(_verdicts));
            }
        }
    }

    /// <summary>A bundle and the scorer that runs it.</summary>
    private sealed record ScoringModel(ModelBundle Bundle, IWindowScorer Scorer);

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

    private sealed record CalibrationsLoaded(IReadOnlyList<SensorCalibration>? Calibrations, DateTimeOffset Started);
}
