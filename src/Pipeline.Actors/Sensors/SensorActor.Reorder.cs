using Akka.Actor;
using Pipeline.Models.Sensors;

namespace Pipeline.Actors.Sensors;

/// <summary>
/// Readings that wait for a missing predecessor (<see cref="ReorderBuffer"/>) do not hold their batch: it is answered
/// at once, with the verdicts of the windows it completed, and the stream acknowledges its readings — they are stored
/// before the sensors see them. Held answers would tie the nodes of a shared group together: each node's stream has
/// only so many batches on their way, and with each waiting for readings stuck behind the other node's, both stood
/// still until the wait ran out (measured: three nodes at full speed, 30 s stalls one after another).
/// <para>
/// The windows a waiting reading completes are judged when its predecessor comes, and their verdicts go with the batch
/// that brought it; when the wait runs out first, the sensor goes on across the hole and the journal stores the verdicts
/// itself. Should the node die meanwhile, the sensor's next incarnation finds the waiting readings in the store — after
/// its last judged window — and waits for the hole again (<see cref="SensorActor"/>'s refill).
/// </para>
/// </summary>
public sealed partial class SensorActor
{
    private ICancelable? _reorderWait;
    private int _reorderWaits; // which wait a ReorderDue ends: one cancelled just after it was sent must not end the next

    private void AnswerBatch(IActorRef replyTo, ReadingsRecorded answer)
    {
        if (!replyTo.IsNobody())
        {
            replyTo.Tell(answer);
        }

        if (_intake.Waiting == 0)
        {
            _reorderWait?.Cancel();
            _reorderWait = null;
        }
        else if (_reorderWait is null)
        {
            _reorderWait = Context.System.Scheduler.ScheduleTellOnceCancelable(_settings.ReorderWait, Self, new ReorderDue(++_reorderWaits), Self);
        }
    }

    /// <summary>The wait is over: the waiting readings go on across the hole, as a batch of none.</summary>
    private void HandleReorderDue(ReorderDue due)
    {
        if (due.Wait != _reorderWaits || _reorderWait is null)
        {
            return; // a wait cancelled after its message was on its way
        }

        _reorderWait = null;
        if (_intake.Waiting > 0)
        {
            Continue(new SensorBatch([], ActorRefs.Nobody));
        }
    }

    private sealed record ReorderDue(int Wait);
}
