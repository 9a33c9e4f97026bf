using Akka.Actor;
using Akka.Event;
using Pipeline.Actors.Inference;

namespace Pipeline.Actors.Sensors;

/// <summary>A batch's windows on their way through the node's inference actor and back.</summary>
public sealed partial class SensorActor
{
    private SensorBatch? _scoring; // the batch whose windows the inference actor is scoring
    private long _scoringId;
    private DateTimeOffset _scoringSince;

    /// <summary>
    /// The batch's windows go to the node's inference actor, told, not asked: the reply names the request, and the
    /// periodic check fails a batch whose reply is later than <see cref="SensorServices.AskTimeout"/>.
    /// </summary>
    private void Score(SensorBatch batch)
    {
        if (batch.Windows.Count == 0)
        {
            Judge(batch, []);
            return;
        }

        var windows = new float[batch.Windows.Count][];
        for (var i = 0; i < windows.Length; i++)
        {
            windows[i] = batch.Windows[i].Values;
        }

        (_scoring, _scoringSince) = (batch, DateTimeOffset.UtcNow);
        _services.Inference.Tell(new ScoreWindows(batch.Windows[0].Calibration.ModelVersion, windows, ++_scoringId));
        BeBusy();
    }

    private void HandleWindowsScored(WindowsScored scored)
    {
        if (_scoring is not { } batch || scored.RequestId != _scoringId)
        {
            Log.Warning("Sensor {0}: scores for request {1} came after it had timed out; dropped (its readings were delivered again)", _sensorId, scored.RequestId);
            return;
        }

        _scoring = null;
        Judge(batch, scored.Scores);
    }

    private TimeoutException? ScoringOverdue() =>
        _scoring is not null && DateTimeOffset.UtcNow - _scoringSince >= _services.AskTimeout
            ? new TimeoutException($"the inference actor did not score the windows within {_services.AskTimeout.TotalSeconds:0.#} s")
            : null;

    private void HandleScoringFailed(Exception cause)
    {
        var batch = _scoring!;
        _scoring = null;
        Log.Error(cause, "Sensor {0}: a batch of {1} readings could not be scored; the stream gets the failure and delivers them again", _sensorId, batch.Outcomes.Count);
        batch.ReplyTo.Tell(new Status.Failure(cause, batch.RequestId));
        Ready();
    }
}
