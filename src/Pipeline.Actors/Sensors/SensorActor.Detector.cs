using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Actors.Sensors;

/// <summary>The sensor's model, calibration and settings as they change under it; and what it logs.</summary>
public sealed partial class SensorActor
{
    /// <summary>
    /// The learning period ended with this batch: the rest of the batch waits while the calibration is fitted (off the
    /// actor's thread) and stored, so no window after the learning period is judged without it (#14).
    /// </summary>
    private void Fit(LearnedRows learned, SensorBatch batch)
    {
        var (id, model, services) = (_sensorId, _detector.Model, _services);
        Log.Info("Sensor {0} learned {1} readings; fitting its calibration of {2}", id, learned.Count, model.Version);
        Task.Run(async () =>
        {
            var calibration = Commissioning.Calibrate(id, model, learned.ToTable(), DateTimeOffset.UtcNow, services.CreateScorer);
            await services.Calibrations.SaveCalibrationAsync(calibration, CancellationToken.None).ConfigureAwait(false);
            return calibration;
        }).PipeTo(Self, success: c => new Fitted(c, batch), failure: e => new FitFailed(e, batch));
        BeBusy();
    }

    private void HandleFitted(Fitted fitted)
    {
        _detector.Calibrate(fitted.Calibration);
        LogCalibrated(fitted.Calibration);
        Continue(fitted.Batch);
    }

    private void HandleFitFailed(FitFailed failed)
    {
        Log.Error(failed.Cause, "Sensor {0} could not be calibrated for {1}; it learns again from its next readings", _sensorId, _detector.Model.Version);
        _detector.LearnAgain();
        Continue(failed.Batch);
    }

    /// <summary>
    /// Settings changed on the running node (<c>pipeline sensors add</c>): new limits apply from this batch. The model
    /// switched (<c>pipeline model activate</c>): the sensor builds the new model's windows — of another length, too —
    /// and learns again unless it has a calibration of it.
    /// </summary>
    private void FollowSettingsAndModel()
    {
        var settings = _services.Settings.For(_sensorId);
        if (!ReferenceEquals(settings, _settings))
        {
            _settings = settings;
            _intake.Health.Settings = settings;
            Log.Info("Sensor {0}: settings changed; limits {1}", _sensorId, settings.Limits.Count == 0 ? "none" : string.Join(", ", settings.Limits.Select(l => $"{l.Key} {l.Value.Min}..{l.Value.Max}")));
        }

        var model = _services.Models.For(_settings.Model);
        if (model.Version == _detector.Model.Version)
        {
            return;
        }

        var previous = _detector.Model.Version;
        var window = WindowOf(model);
        if (window != _intake.Spec)
        {
            _intake.Reshape(window);
        }

        _detector = new SensorDetector(_sensorId, model, _services.LearningReadings);
        Log.Info("Sensor {0} switched from {1} to {2} (window {3} x {4})", _sensorId, previous, model.Version, window.Length, window.Width);
        LookUpCalibration();
    }

    private void HandleCheckCalibration()
    {
        if (!_detector.IsLearning)
        {
            LookUpCalibration();
        }
    }

    /// <summary>Asks the store for the sensor's calibration of its model; the answer is <see cref="CalibrationChecked"/>.</summary>
    private void LookUpCalibration()
    {
        var asked = DateTimeOffset.UtcNow;
        var version = _detector.Model.Version;
        _services.Calibrations.LoadCalibrationAsync(_sensorId, version, CancellationToken.None)
            .PipeTo(Self, success: c => new CalibrationChecked(version, c, asked), failure: _ => new CalibrationChecked(version, null, DateTimeOffset.MinValue));
    }

    /// <summary>
    /// Gone from the store while the sensor was calibrated before the question: recommissioned, it learns again. Found
    /// while it learns (after a model switch): it takes the stored one.
    /// </summary>
    private void HandleCalibrationChecked(CalibrationChecked checkedIn)
    {
        if (checkedIn.ModelVersion != _detector.Model.Version || checkedIn.Asked == DateTimeOffset.MinValue)
        {
            return;
        }

        if (checkedIn.Calibration is null && !_detector.IsLearning && _detector.Calibration.CalibratedAt < checkedIn.Asked)
        {
            _detector.LearnAgain();
            Log.Info("Sensor {0} recommissioned: learning again for {1} readings; no anomaly alarms until then", _sensorId, _detector.LearningRows);
            _services.Board.Report(Status());
        }
        else if (checkedIn.Calibration is { } stored && _detector.IsLearning && _detector.Learned < _detector.LearningRows)
        {
            _detector.Calibrate(stored);
            LogCalibrated(stored);
        }
    }

    private void LogCalibrated(SensorCalibration c)
    {
        if (c.Doubt(_detector.Model.Manifest) is { } doubt)
        {
            Log.Warning("Sensor {0} calibrated on {1} readings, but: {2}", c.SensorId, c.Readings, doubt);
            _services.Board.Report(Status());
            return;
        }

        if (_services.StartLines.TryWrite(DateTimeOffset.UtcNow, out var note))
        {
            Log.Info("Sensor {0} calibrated on {1} readings for {2}: threshold {3:0.##} (the model's held-out windows reached {4:0.##}); anomaly alarms on{5}",
                c.SensorId, c.Readings, c.ModelVersion, c.Threshold, _detector.Model.Manifest.NormalOrAssumed.LargestDeviation, note);
        }

        _services.Board.Report(Status());
    }

    private void LogIntake(IntakeOutcome outcome)
    {
        var (reading, decision) = (outcome.Reading, outcome.Decision);
        switch (decision.Verdict)
        {
            case SequenceVerdict.OutOfOrder when _intake.OutOfOrder == 1 || _intake.OutOfOrder % 100 == 0:
                Log.Warning("Sensor {0}: rejected seq {1}: {2} ({3} out of order so far)", _sensorId, reading.Sequence, decision.Reason, _intake.OutOfOrder);
                break;
            case SequenceVerdict.Gap or SequenceVerdict.Reset when _services.GapLines.TryWrite(DateTimeOffset.UtcNow, out var note):
                Log.Info("Sensor {0}: window restarted at seq {1}: {2}{3}", _sensorId, reading.Sequence, decision.Reason, note);
                break;
        }

        if (outcome.MissingSignal is { } missing && _intake.Incomplete == 1)
        {
            Log.Warning("Sensor {0}: reading {1} lacks '{2}', which its model needs; the window restarts", _sensorId, reading.Sequence, missing);
        }

        foreach (var health in outcome.Health)
        {
            LogHealth(health);
        }
    }

    private void LogReordered(long before)
    {
        if (_intake.Reordered > before && (before == 0 || _intake.Reordered / 100 > before / 100))
        {
            Log.Info("Sensor {0}: {1} reading(s) came after later ones and were put back in order ({2} so far; {3} waiting)",
                _sensorId, _intake.Reordered - before, _intake.Reordered, _intake.Waiting);
        }
    }

    private void LogHealth(HealthEvent health)
    {
        var signal = health.Signal is null ? string.Empty : $" ({health.Signal})";
        if (health.Active)
        {
            Log.Warning("Sensor {0} {1}{2}: {3}", _sensorId, health.Condition, signal, health.Detail);
        }
        else
        {
            Log.Info("Sensor {0} {1}{2} cleared: {3}", _sensorId, health.Condition, signal, health.Detail);
        }
    }

    /// <summary>One structured line per alarm transition, never one per reading; only what needs a person is a warning.</summary>
    private static void LogTransition(AlarmChange change)
    {
        var (alarm, transition) = (change.Alarm, change.Transition);
        var level = transition is AlarmTransition.Raised or AlarmTransition.Updated or AlarmTransition.Chattering ? LogLevel.WarningLevel : LogLevel.InfoLevel;
        Log.Log(level, "Alarm {0} {1}: {2}, severity {3}, count {4}; {5}",
            [alarm.Id, AlarmNames.Of(transition), AlarmNames.Of(alarm.State), AlarmNames.Of(alarm.Severity), alarm.Count, $"{alarm.Message} {alarm.CauseHint}".TrimEnd()]);
    }

    private static WindowSpec WindowOf(ModelBundle model) => new(model.Manifest.Window, model.Manifest.Signals, model.Manifest.Stride);

    private sealed record Loaded(IReadOnlyList<Reading> History, IReadOnlyList<Reading> Unjudged, IReadOnlyList<Alarm> Open, IReadOnlyList<JudgedWindow> Judged, SensorCalibration? Calibration);

    private sealed record LoadFailed(Exception Cause, IReadOnlyList<Reading> Batch, bool Refill, int Attempt);

    private sealed record LoadAgain(IReadOnlyList<Reading> Batch, bool Refill, int Attempt);

    private sealed record Journalled(SensorAlarms Next, IReadOnlyList<AlarmChange> Changes, IActorRef ReplyTo, object? Answer);

    private sealed record JournalFailed(Exception Cause, IActorRef ReplyTo, object? Answer);

    private sealed record Fitted(SensorCalibration Calibration, SensorBatch Batch);

    private sealed record FitFailed(Exception Cause, SensorBatch Batch);

    private sealed record CalibrationChecked(string ModelVersion, SensorCalibration? Calibration, DateTimeOffset Asked);
}
