using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;

namespace Pipeline.Actors.Sensors;

/// <summary>
/// Batches whose readings wait for a missing predecessor (<see cref="ReorderBuffer"/>) are answered only when nothing
/// waits any more: the stream acknowledges a reading to the broker once its batch is answered and the answer's verdicts
/// stored, so a waiting reading must not be acknowledged before the windows it completes are judged. Every held batch
/// is answered then, in order, with all their verdicts on the oldest — stored before any of their readings is
/// acknowledged. The wait is bounded: after <see cref="SensorSettings.ReorderWait"/> the readings go on across the hole.
/// </summary>
public sealed partial class SensorActor
{
    private readonly List<(IActorRef ReplyTo, ReadingsRecorded Answer)> _held = [];

    private void AnswerBatch(IActorRef replyTo, ReadingsRecorded answer)
    {
        if (_held.Count == 0 && _intake.Waiting == 0)
        {
            replyTo.Tell(answer); // the usual case: nothing waits
            return;
        }

        if (replyTo.Equals(ActorRefs.Nobody) && _held.Count > 0)
        {
            // Taken when the wait was over: they belong to the oldest held batch.
            var (oldest, held) = _held[0];
            _held[0] = (oldest, held with { Readings = held.Readings.Concat(answer.Readings).ToList(), Verdicts = held.Verdicts.Concat(answer.Verdicts).ToList() });
        }
        else
        {
            _held.Add((replyTo, answer));
        }

        if (_intake.Waiting > 0)
        {
            if (!Timers.IsTimerActive(nameof(ReorderDue)))
            {
                Timers.StartSingleTimer(nameof(ReorderDue), ReorderDue.Instance, _settings.ReorderWait);
            }

            return;
        }

        Timers.Cancel(nameof(ReorderDue));
        // Lists, not collection expressions: a message crossing to another cluster node is rebuilt from its runtime types.
        var verdicts = _held.SelectMany(h => h.Answer.Verdicts).ToList();
        for (var i = 0; i < _held.Count; i++)
        {
            _held[i].ReplyTo.Tell(_held[i].Answer with { Verdicts = i == 0 ? verdicts : new List<Verdict>() });
        }

        _held.Clear();
    }

    /// <summary>The wait is over: the waiting readings go on across the hole, as a batch of none.</summary>
    private void HandleReorderDue()
    {
        if (_held.Count > 0)
        {
            Continue(new SensorBatch([], ActorRefs.Nobody));
        }
    }

    /// <summary>
    /// Stopped with batches held (its shard moved to another node, or it was rewound): they fail, so the stream
    /// restarts at once and the broker delivers them again to the sensor's next incarnation — answering them would
    /// acknowledge readings whose windows were never judged, and not answering would leave the stream waiting for
    /// its ask timeout.
    /// </summary>
    protected override void PostStop()
    {
        if (_held.Count > 0)
        {
            _log.Warning("Sensor {0} stopped with {1} batch(es) waiting for missing readings; they are delivered again", _sensorId, _held.Count);
            FailHeld(new InvalidOperationException($"sensor {_sensorId} stopped with readings waiting for their predecessors"));
        }

        base.PostStop();
    }

    /// <summary>A batch failed: the held ones fail with it, and the stream delivers them all again.</summary>
    private void FailHeld(Exception cause)
    {
        Timers.Cancel(nameof(ReorderDue));
        foreach (var (replyTo, _) in _held)
        {
            replyTo.Tell(new Status.Failure(cause));
        }

        _held.Clear();
    }

    private sealed class ReorderDue
    {
        public static readonly ReorderDue Instance = new();
    }
}
