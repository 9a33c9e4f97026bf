using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Detection;

namespace Pipeline.Actors.Inference;

/// <summary>
/// Scores windows from every sensor in micro-batches: a batch goes to the model when it holds
/// <see cref="InferenceOptions.BatchSize"/> windows or its first window has waited <see cref="InferenceOptions.MaxBatchDelay"/>,
/// whichever comes first; each sender gets one verdict per window. The stream asks with bounded parallelism, so the
/// windows waiting here are bounded too, and a slow model slows the stream.
/// </summary>
public sealed class InferenceActor : ReceiveActor, IWithTimers
{
    private IWindowScorer _scorer;
    private ModelBundle _bundle;
    private readonly InferenceOptions _options;
    private readonly List<(ScoreWindow Request, IActorRef ReplyTo)> _pending = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _batches;
    private long _windows;

    public InferenceActor(ModelBundle bundle, IWindowScorer scorer, InferenceOptions options)
    {
        _bundle = bundle;
        _scorer = scorer;
        _options = options;
        Receive<ScoreWindow>(HandleScoreWindow);
        Receive<Flush>(_ => ScorePending());
        Receive<ActivateModel>(HandleActivate);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ModelBundle bundle, IWindowScorer scorer, InferenceOptions options) =>
        Akka.Actor.Props.Create(() => new InferenceActor(bundle, scorer, options));

    protected override void PreStart() =>
        _log.Info("Scoring with model {0} on the {1} backend (batches of up to {2}, at most {3} ms wait)",
            _bundle.Version, _scorer.Backend, _options.BatchSize, _options.MaxBatchDelay.TotalMilliseconds);

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
        _log.Info("Model switched from {0} to {1} ({2} backend)", previous, _bundle.Version, _scorer.Backend);
        Sender.Tell(new ModelActivated(previous, _bundle.Version));
    }

    private void ScorePending()
    {
        Timers.Cancel(nameof(Flush));
        if (_pending.Count == 0)
        {
            return;
        }

        var size = _bundle.Manifest.Window * _bundle.Manifest.Signals.Length;
        var values = new float[_pending.Count * size];
        for (var i = 0; i < _pending.Count; i++)
        {
            _pending[i].Request.Window.Values.CopyTo(values, i * size);
        }

        var scores = _scorer.Score(values, _pending.Count);
        var threshold = _bundle.Manifest.Threshold.Total;
        for (var i = 0; i < _pending.Count; i++)
        {
            var w = _pending[i].Request.Window;
            _pending[i].ReplyTo.Tell(new Verdict(
                w.SensorId, w.FirstSequence, w.LastSequence, w.StartTimestampMs, w.EndTimestampMs,
                scores[i].Total, scores[i].PerSignal, _bundle.Manifest.Signals, threshold, scores[i].Total > threshold, _bundle.Version,
                Deviation(w.Values)));
        }

        _batches++;
        _windows += _pending.Count;
        if (_batches % 10_000 == 0)
        {
            _log.Info("Scored {0} windows in {1} batches", _windows, _batches);
        }

        _pending.Clear();
    }

    /// <summary>Each signal's mean over the window, standardised with the model's scaler.</summary>
    private float[] Deviation(float[] values)
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
}
