using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Alarms;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Actors.Sensors;

/// <summary>
/// Starting: the sensor's open alarms, calibration and — when started by readings — its window, from the store, before
/// it takes anything.
/// </summary>
public sealed partial class SensorActor
{
    /// <summary>Before each attempt to load the state: 1 + 2 + 4 + 8 + 8 s, inside the stream's 30 s wait for the answer.</summary>
    private static readonly TimeSpan[] LoadAttempts = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8)];

    /// <summary>
    /// Until its state is loaded. Woken without readings (a registered sensor at node start), it does not refill its
    /// window: readings already stored but still on their way here would come as duplicates and never be scored.
    /// </summary>
    private void Starting(object message)
    {
        switch (message)
        {
            case RecordReadings record:
                Load(record.Readings, refill: true);
                break;
            case Rewind rewind:
                HandleRewind(rewind);
                break;
            default:
                Load([], refill: false);
                break;
        }
    }

    private void Load(IReadOnlyList<Reading> batch, bool refill)
    {
        Stash.Stash();
        LoadState(batch, refill, attempt: 1);
        Become(Loading);
    }

    private void LoadState(IReadOnlyList<Reading> batch, bool refill, int attempt)
    {
        var (id, services, model, length, capacity) = (_sensorId, _services, _detector.Model.Version, _intake.Spec.Length, _settings.ReorderCapacity);
        LoadAsync().PipeTo(Self, failure: e => new LoadFailed(e, batch, refill, attempt));

        // Verdicts are stored in each sensor's order (one stream stores them batch by batch; on a node of a shared
        // group the sensor journals its own), so the newest says up to where every window was judged: the window
        // refills from the readings before it, and those stored after it — acknowledged while they waited for a
        // missing predecessor in the previous incarnation, or not yet — are judged here, with the batch.
        async Task<Loaded> LoadAsync()
        {
            var open = await services.Journal.LoadOpenAsync(id, CancellationToken.None).ConfigureAwait(false);
            var judged = await services.Journal.LoadJudgedAsync(id, services.Alarms.RememberedWindows, CancellationToken.None).ConfigureAwait(false);
            var calibration = await services.Calibrations.LoadCalibrationAsync(id, model, CancellationToken.None).ConfigureAwait(false);
            if (!refill || batch.Count == 0)
            {
                return new Loaded([], [], open, judged, calibration);
            }

            // Nothing judged yet: every stored reading is still to be judged (a node that read half of them may have died).
            var afterJudged = judged.Count > 0 ? judged[^1].LastSequence + 1 : long.MinValue;
            var history = afterJudged == long.MinValue ? []
                : await services.History.LatestAsync(id, length, afterJudged, CancellationToken.None).ConfigureAwait(false);
            var stored = await services.History.FromAsync(id, afterJudged, capacity, CancellationToken.None).ConfigureAwait(false);
            var coming = batch.Select(r => r.Sequence).ToHashSet();
            return new Loaded(history, stored.Where(r => !coming.Contains(r.Sequence)).ToList(), open, judged, calibration);
        }
    }

    private void Loading(object message)
    {
        switch (message)
        {
            case Loaded loaded:
                HandleLoaded(loaded);
                break;
            case LoadFailed failed:
                HandleLoadFailed(failed);
                break;
            case LoadAgain again:
                LoadState(again.Batch, again.Refill, again.Attempt);
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    /// <summary>
    /// A store that cannot be read for a moment (a server restarting, a connection dropped) must not cost the sensor its
    /// calibration and open alarms: starting without them, it would learn again for a whole learning period, raise no
    /// anomaly alarm meanwhile and store a new calibration over the old one. So it tries again with backoff, within the
    /// stream's wait for its answer, and only then starts without them.
    /// </summary>
    private void HandleLoadFailed(LoadFailed failed)
    {
        if (failed.Attempt < LoadAttempts.Length)
        {
            var wait = LoadAttempts[failed.Attempt];
            Log.Warning("Sensor {0} could not load its state from the store ({1}); trying again in {2:0} s (attempt {3} of {4})",
                _sensorId, failed.Cause.GetBaseException().Message, wait.TotalSeconds, failed.Attempt + 1, LoadAttempts.Length);
            _loadAgain = Context.System.Scheduler.ScheduleTellOnceCancelable(wait, Self, new LoadAgain(failed.Batch, failed.Refill, failed.Attempt + 1), Self);
            return;
        }

        Log.Error(failed.Cause, "Sensor {0} could not load its state from the store in {1} attempts; it starts with an empty window, no open alarms and learning (its stored calibration is replaced after its learning period)",
            _sensorId, LoadAttempts.Length);
        Run();
    }

    private void HandleLoaded(Loaded loaded)
    {
        _alarms = SensorAlarms.Load(_sensorId, _services.Alarms, loaded.Open, loaded.Judged);
        foreach (var (condition, signal) in _alarms.ActiveConditions())
        {
            // The conditions behind open health alarms carry over, so that each clears when the sensor shows it is over.
            _intake.Resume(condition, signal);
        }

        if (loaded.Calibration is { } calibration && calibration.ModelVersion == _detector.Model.Version)
        {
            _detector.Calibrate(calibration);
            Log.Info("Sensor {0} resumes with its calibration of {1} (threshold {2:0.##}, from {3:u})", _sensorId, calibration.ModelVersion, calibration.Threshold, calibration.CalibratedAt);
        }

        var now = DateTimeOffset.UtcNow;
        foreach (var row in _intake.Refill(loaded.History, now, loaded.Judged.Count > 0 ? loaded.Judged[^1].LastSequence : null))
        {
            _detector.Observe(row); // fewer rows than a learning period: never completes one
        }

        foreach (var reading in loaded.Unjudged)
        {
            _intake.Restore(reading, now); // taken with the first batch, which the stash holds (ones it brings again are duplicates)
        }

        if (loaded.History.Count > 0 || loaded.Unjudged.Count > 0 || _alarms.Open.Any())
        {
            Log.Debug("Sensor {0} started with {1} readings up to seq {2}, {3} stored but not judged and {4} open alarm(s)", _sensorId, loaded.History.Count, _intake.LastSequence, loaded.Unjudged.Count, _alarms.Open.Count());
        }

        Run();
    }
}
