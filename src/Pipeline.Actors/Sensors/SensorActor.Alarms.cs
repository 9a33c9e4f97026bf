using Akka.Actor;
using Akka.Event;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;

namespace Pipeline.Actors.Sensors;

/// <summary>The sensor's alarms: operators' commands, and every change journalled before it is kept, published or answered.</summary>
public sealed partial class SensorActor
{
    private void HandleAcknowledge(AcknowledgeAlarm acknowledge)
    {
        var change = _alarms.Acknowledge(acknowledge.Type, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var alarm = change.Next[acknowledge.Type];
        if (change.Refusal is { } refusal)
        {
            Sender.Tell(new AlarmCommandOutcome(false, refusal, alarm));
            return;
        }

        Log.Info("Alarm {0} acknowledged by {1}", alarm.Id, acknowledge.By);
        Commit(change.Next, [.. change.Changes], [], Sender, new AlarmCommandOutcome(true, $"{alarm.Id} acknowledged by {acknowledge.By}", alarm));
    }

    private void HandleShelve(ShelveAlarm shelve)
    {
        var change = _alarms.Shelve(shelve.Type, shelve.Duration, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var alarm = change.Next[shelve.Type];
        Log.Info("Alarm {0} shelved for {1} by {2}", alarm.Id, shelve.Duration, shelve.By);
        Commit(change.Next, [.. change.Changes], [], Sender, new AlarmCommandOutcome(true, $"{alarm.Id} shelved for {shelve.Duration.TotalMinutes:0.#} min by {shelve.By}", alarm));
    }

    /// <summary>
    /// Journals the alarm changes with the verdicts that caused them, then keeps the new alarms, publishes the changes
    /// and answers: SCADA never sees an alarm the node could forget, a batch is answered only once its alarms are
    /// stored, and a window judged again after a crash finds its verdict stored and changes no alarm twice.
    /// </summary>
    private void Commit(SensorAlarms next, List<AlarmChange> changes, IReadOnlyList<Verdict> judged, IActorRef replyTo, object? answer)
    {
        // The journal stores the verdicts itself when no batch carries them to the store (taken when a reorder wait
        // ran out), and on a node of a shared group always: there each node's stream stores the verdicts its batches
        // carry, so a sensor's would land out of order, and after a node dies the sensor's next incarnation could not
        // tell from the newest stored verdict that every window before it was judged.
        var storeHere = answer is ReadingsRecorded { Verdicts.Count: > 0 } && (replyTo.IsNobody() || _services.SharedIntake);
        if (changes.Count == 0 && !storeHere)
        {
            _alarms = next;
            Answer(replyTo, answer);
            Ready();
            return;
        }

        Journal(next, changes, judged, replyTo, answer);
        BeBusy();
    }

    // Its own method: the lambdas' closure is then made only for a batch that journals, not for every batch (a closure
    // capturing parameters is allocated where the method starts).
    private void Journal(SensorAlarms next, List<AlarmChange> changes, IReadOnlyList<Verdict> judged, IActorRef replyTo, object? answer) =>
        _services.Journal.RecordAsync(changes, judged, CancellationToken.None).PipeTo(Self,
            success: () => new Journalled(next, changes, replyTo, answer),
            failure: e => new JournalFailed(e, replyTo, answer));

    private void HandleJournalFailed(JournalFailed failed)
    {
        Log.Error(failed.Cause, "Sensor {0}: could not journal its alarm changes; they are not published", _sensorId);
        failed.ReplyTo.Tell(new Status.Failure(failed.Cause, failed.Answer is ReadingsRecorded recorded ? recorded.RequestId : null));
        Ready();
    }

    private void HandleJournalled(Journalled journalled)
    {
        _alarms = journalled.Next;
        _services.Publisher.Publish(journalled.Changes);
        foreach (var change in journalled.Changes)
        {
            LogTransition(change);
        }

        Answer(journalled.ReplyTo, journalled.Answer);
        Ready();
    }

    private void Answer(IActorRef replyTo, object? answer)
    {
        if (answer is ReadingsRecorded recorded)
        {
            AnswerBatch(replyTo, recorded);
        }
        else if (answer is not null)
        {
            replyTo.Tell(answer);
        }
    }

    private static SensorAlarms Apply(SensorAlarmsChange change, List<AlarmChange> changes)
    {
        changes.AddRange(change.Changes);
        return change.Next;
    }
}
