using System.Diagnostics.Metrics;
using System.Numerics;
using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Detection;

namespace Pipeline.Actors.Inference;

/// <summary>
/// Scores windows in micro-batches, for every sensor on this node: a batch goes to its model when it holds
/// <see cref="InferenceOptions.BatchSize"/> windows or its first window has waited <see cref="InferenceOptions.MaxBatchDelay"/> —
/// with no delay (the default), as soon as the windows already waiting in the mailbox are in it, so a quiet node scores
/// each window at once and a busy one in big batches. Each request names the model version its windows were prepared
/// for and gets one reply with every score, in order, however many batches they fell into. What a score means for a
/// sensor is the sensor's business (<see cref="SensorDetector"/>); this actor only runs the network.
/// </summary>
public sealed class InferenceActor : ReceiveActor, IWithTimers
{
    public const string MeterName = "Pipeline.Inference";

    /// <summary>How full the batches are: a busy node scores in big ones (Prometheus: pipeline_inference_batch_windows).</summary>
    private static readonly Histogram<int> BatchWindows = new Meter(MeterName).CreateHistogram("pipeline.inference.batch.windows", "{window}",
        "Windows scored together in one pass of the network.", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    private readonly ModelCatalog _catalog;
    private readonly Func<ModelBundle, IWindowScorer> _createScorer;
    private readonly InferenceOptions _options;
    private readonly Dictionary<string, IWindowScorer> _scorers = new(StringComparer.Ordinal);
    private readonly List<Pending> _pending = [];
    private float[] _batchValues = []; // a batch's windows side by side, as the network takes them; kept between batches
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _flushScheduled;
    private long _batches;
    private long _windows;

    public InferenceActor(ModelCatalog catalog, Func<ModelBundle, IWindowScorer> createScorer, InferenceOptions options)
    {
        _catalog = catalog;
        _createScorer = createScorer;
        _options = options;
        Receive<ScoreWindows>(HandleScoreWindows);
        Receive<Flush>(_ => ScorePending());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ModelCatalog catalog, Func<ModelBundle, IWindowScorer> createScorer, InferenceOptions options) =>
        Akka.Actor.Props.Create(() => new InferenceActor(catalog, createScorer, options));

    protected override void PreStart() =>
        _log.Info("Scoring with model {0} on the {1} backend (batches of up to {2}, at most {3} ms wait){4}",
            _catalog.Active.Version, Scorer(_catalog.Active).Backend, _options.BatchSize, _options.MaxBatchDelay.TotalMilliseconds,
            _catalog.Pinned.Count == 0 ? string.Empty : "; pinned: " + string.Join(", ", _catalog.Pinned.Select(p => $"{p.Key} = {p.Value.Version}")));

    protected override void PostStop()
    {
        foreach (var scorer in _scorers.Values)
        {
            scorer.Dispose();
        }
    }

    private void HandleScoreWindows(ScoreWindows request)
    {
        if (request.Windows.Count == 0)
        {
            Sender.Tell(new WindowsScored([], request.RequestId));
            return;
        }

        if (_catalog.Find(request.ModelVersion) is not { } model)
        {
            Sender.Tell(new Status.Failure(new ModelBundleException($"model {request.ModelVersion} is not loaded on this node")));
            return;
        }

        var size = model.Manifest.Window * model.Manifest.Signals.Length;
        if (Misfit(request.Windows, size) is { } misfit)
        {
            Sender.Tell(new Status.Failure(new ModelBundleException(
                $"a window of {misfit.Length} values does not fit model {model.Version} ({model.Manifest.Window} x {model.Manifest.Signals.Length})")));
            return;
        }

        var reply = new Reply(Sender, request.Windows.Count, request.RequestId);
        for (var i = 0; i < request.Windows.Count; i++)
        {
            _pending.Add(new Pending(model, request.Windows[i], reply, i));
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
            // The flush queues behind the requests already in the mailbox: the batch is what arrived meanwhile.
            Self.Tell(Flush.Instance);
        }
        else
        {
            Timers.StartSingleTimer(nameof(Flush), Flush.Instance, _options.MaxBatchDelay);
        }
    }

    private void ScorePending()
    {
        Timers.Cancel(nameof(Flush));
        _flushScheduled = false;
        if (_pending.Count == 0)
        {
            return;
        }

        if (OneModel(_pending))
        {
            ScoreBatch(_pending[0].Model, _pending);
        }
        else
        {
            foreach (var batch in _pending.GroupBy(p => p.Model))
            {
                ScoreBatch(batch.Key, [.. batch]);
            }
        }

        _batches++;
        _windows += _pending.Count;
        if (_batches % 10_000 == 0)
        {
            _log.Info("Scored {0} windows in {1} batches", _windows, _batches);
        }

        _pending.Clear();
    }

    private static float[]? Misfit(IReadOnlyList<float[]> windows, int size)
    {
        for (var i = 0; i < windows.Count; i++) // not foreach: an interface's enumerator is an allocation per request
        {
            if (windows[i].Length != size)
            {
                return windows[i];
            }
        }

        return null;
    }

    /// <summary>Nearly always, since a node runs one model: then the pending windows are the batch as they are, not grouped.</summary>
    private static bool OneModel(List<Pending> pending)
    {
        foreach (var window in pending)
        {
            if (window.Model != pending[0].Model)
            {
                return false;
            }
        }

        return true;
    }

    private void ScoreBatch(ModelBundle model, List<Pending> windows)
    {
        var size = windows[0].Values.Length;
        if (_batchValues.Length < windows.Count * size)
        {
            // In powers of two: grown at every larger batch, it left a trail of freed arrays in the large-object heap.
            _batchValues = new float[BitOperations.RoundUpToPowerOf2((uint)(windows.Count * size))];
        }

        for (var i = 0; i < windows.Count; i++)
        {
            windows[i].Values.CopyTo(_batchValues, i * size);
        }

        WindowScore[] scores;
        try
        {
            scores = Scorer(model).Score(_batchValues.AsSpan(0, windows.Count * size), windows.Count);
        }
        catch (Exception e)
        {
            // Every request in the batch gets the failure at once (its sensor's stream delivers the readings again),
            // rather than a restart losing the batch and the sensors waiting out their timeout.
            _log.Error(e, "Scoring a batch of {0} windows with {1} failed", windows.Count, model.Version);
            windows.ForEach(w => w.Reply.Fail(e));
            return;
        }

        BatchWindows.Record(windows.Count);
        for (var i = 0; i < windows.Count; i++)
        {
            windows[i].Reply.Deliver(windows[i].Index, scores[i]);
        }
    }

    private IWindowScorer Scorer(ModelBundle model)
    {
        if (!_scorers.TryGetValue(model.Version, out var scorer))
        {
            _scorers[model.Version] = scorer = _createScorer(model);
        }

        return scorer;
    }

    /// <summary>One window waiting for the next batch: its values and whom its score goes to.</summary>
    private sealed record Pending(ModelBundle Model, float[] Values, Reply Reply, int Index);

    /// <summary>Collects one request's scores (it may span batches) and replies once with all of them, or with the first failure.</summary>
    private sealed class Reply(IActorRef to, int count, long requestId)
    {
        private readonly WindowScore[] _scores = new WindowScore[count];
        private int _missing = count;

        public void Deliver(int index, WindowScore score)
        {
            _scores[index] = score;
            if (--_missing == 0)
            {
                to.Tell(new WindowsScored(_scores, requestId));
            }
        }

        public void Fail(Exception cause)
        {
            if (_missing > 0)
            {
                _missing = -1;
                to.Tell(new Status.Failure(cause));
            }
        }
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
