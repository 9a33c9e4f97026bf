using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Alarms;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>A sensor's readings through the sequence check into its windows, and its health: what it answers and what it raises.</summary>
public sealed class SensorActorSpecs : TestKit, IDisposable
{
    private const string Sensor = "esp32-01";
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddMinutes(-10);

    private SensorHarness _node;

    public SensorActorSpecs() => _node = new SensorHarness(Sys);

    private static Reading Sample(long seq, double flow = double.NaN, double pressure = 4.0, long? atMs = null) => new(
        Sensor,
        atMs ?? Start.AddSeconds(seq).ToUnixTimeMilliseconds(),
        seq,
        new Dictionary<string, double> { ["flow"] = double.IsNaN(flow) ? 100 + seq : flow, ["pressure"] = pressure + (seq * 0.01) });

    private IActorRef Sensor_(SensorSettings? settings = null)
    {
        if (settings is not null)
        {
            _node.Dispose();
            _node = new SensorHarness(Sys, settings: new SensorCatalog { Defaults = settings });
        }

        return _node.Start(Sensor);
    }

    private ReadingsRecorded Record(IActorRef sensor, params Reading[] readings)
    {
        sensor.Tell(new RecordReadings(Sensor, readings), TestActor);
        return ExpectMsg<ReadingsRecorded>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Should_judge_a_window_every_stride_across_wrap_around()
    {
        var sensor = Sensor_();

        var verdicts = Enumerable.Range(1, 8).SelectMany(seq => Record(sensor, Sample(seq)).Verdicts).ToList();

        Assert.Equal([3L, 5L, 7L], verdicts.Select(v => v.LastSequence));
        Assert.Equal([1L, 3L, 5L], verdicts.Select(v => v.FirstSequence));
        Assert.All(verdicts, v => Assert.Equal(SensorHarness.Tiny.Value.Version, v.ModelVersion));
    }

    [Fact]
    public void Should_record_a_store_batchs_readings_in_one_message_as_one_by_one()
    {
        var readings = new[] { 1, 2, 3, 3, 4, 5, 2, 6, 7 }.Select(seq => Sample(seq)).ToArray();
        var oneByOne = Sensor_();
        var expected = readings.Select(r => Record(oneByOne, r)).ToList();
        var batched = _node.Start("esp32-01");

        var first = Record(batched, readings[..4]);
        var second = Record(batched, readings[4..]);

        // A batch is taken in sequence order: the late 2 is rejected before 4 (not after 5), for the same verdict.
        Assert.Equal(expected.SelectMany(e => e.Readings).Select(r => (r.Sequence, r.Verdict)).Order(), first.Readings.Concat(second.Readings).Select(r => (r.Sequence, r.Verdict)).Order());
        Assert.Equal(expected.SelectMany(e => e.Verdicts).Select(v => (v.LastSequence, v.Score)), first.Verdicts.Concat(second.Verdicts).Select(v => (v.LastSequence, v.Score)));
    }

    [Fact]
    public void Should_count_a_reading_it_took_before_as_a_duplicate_and_reject_one_from_a_hole_it_went_across_with_the_reason()
    {
        var sensor = Sensor_(new SensorSettings { ReorderWait = TimeSpan.Zero });
        Record(sensor, Sample(1), Sample(2), Sample(4)); // no wait: 4 goes on across the hole at once

        var recorded = Record(sensor, Sample(4), Sample(3), Sample(1), Sample(5));

        // A batch is taken in sequence order.
        Assert.Equal([(1L, SequenceVerdict.Duplicate), (3L, SequenceVerdict.OutOfOrder), (4L, SequenceVerdict.Duplicate), (5L, SequenceVerdict.Next)], recorded.Readings.Select(r => (r.Sequence, r.Verdict)));
        Assert.Equal("sequence 3 is older than the last accepted 4", recorded.Readings[1].Reason);
        Assert.Equal((4L, 6L), Assert.Single(Record(sensor, Sample(6)).Verdicts) is var v ? (v.FirstSequence, v.LastSequence) : default); // none disturbed the window
        AwaitCondition(() => _node.Board.Latest.TryGetValue(Sensor, out var status) && (status.Duplicates, status.OutOfOrder, status.LastSequence) == (2L, 1L, 6L));
    }

    [Fact]
    public void Should_put_readings_that_came_after_later_ones_back_in_order_so_that_every_window_is_judged()
    {
        // A broker redelivering what a node had not acknowledged sends it behind newer readings; a node of a shared
        // group has half of them.
        var inOrder = Sensor_();
        var expected = Enumerable.Range(1, 9).SelectMany(seq => Record(inOrder, Sample(seq)).Verdicts).ToList();
        var sensor = Sensor_(new SensorSettings { ReorderWait = TimeSpan.FromSeconds(30) });

        var first = Record(sensor, Sample(1), Sample(2));
        var ahead = Record(sensor, Sample(6), Sample(7)); // 3, 4 and 5 are still on their way
        var late = Record(sensor, Sample(4), Sample(3), Sample(5), Sample(8), Sample(9));

        // The batch that came early is answered at once (its readings are stored; holding it would hold the stream
        // that brings the missing ones): its windows are judged with the batch that completes them.
        Assert.Empty(ahead.Readings);
        Assert.Empty(ahead.Verdicts);
        Assert.Equal([3L, 4L, 5L, 6L, 7L, 8L, 9L], late.Readings.Select(r => r.Sequence));
        Assert.All(late.Readings, r => Assert.Equal(SequenceVerdict.Next, r.Verdict));
        Assert.Equal(
            expected.Select(v => (v.FirstSequence, v.LastSequence, v.Score)),
            first.Verdicts.Concat(late.Verdicts).Select(v => (v.FirstSequence, v.LastSequence, v.Score)));
        AwaitCondition(() => _node.Board.Latest.TryGetValue(Sensor, out var status) && (status.OutOfOrder, status.LastSequence) == (0L, 9L));
    }

    [Fact]
    public void Should_wait_again_after_a_restart_for_a_hole_its_previous_incarnation_waited_for_and_judge_every_window_once()
    {
        var inOrder = Sensor_();
        var expected = Enumerable.Range(1, 11).SelectMany(seq => Record(inOrder, Sample(seq)).Verdicts).Where(v => v.LastSequence > 5).ToList();
        var settings = new SensorSettings { ReorderWait = TimeSpan.FromSeconds(30) };
        var before = Sensor_(settings);
        ReadingsRecorded Stored(IActorRef sensor, params Reading[] readings)
        {
            // As the stream does: stored first, then the sensor; the verdicts stored before the readings are acknowledged.
            _node.Store.Readings.WriteAsync(readings, [], DateTimeOffset.UtcNow, default).GetAwaiter().GetResult();
            var recorded = Record(sensor, readings);
            _node.Store.Verdicts.WriteVerdictsAsync(recorded.Verdicts, default).GetAwaiter().GetResult();
            return recorded;
        }

        Stored(before, [.. Enumerable.Range(1, 5).Select(seq => Sample(seq))]);
        Assert.Empty(Stored(before, Sample(7), Sample(8), Sample(9), Sample(10)).Readings); // 6 is on its way: they wait, acknowledged
        Watch(before);
        Sys.Stop(before); // its node dies (or its shard moves)
        ExpectTerminated(before);

        var after = _node.Start(Sensor);
        Assert.Empty(Stored(after, Sample(11)).Readings); // it finds 7..10 in the store after its last judged window, and waits again
        var filled = Stored(after, Sample(6));

        Assert.Equal([6L, 7, 8, 9, 10, 11], filled.Readings.Select(r => r.Sequence));
        Assert.Equal(expected.Select(v => (v.LastSequence, v.Score)), filled.Verdicts.Select(v => (v.LastSequence, v.Score)));
        Assert.Equal(0, NodeDatabase.Scalar(_node.Store.Description, "SELECT count(*) - count(DISTINCT last_seq) FROM verdicts"));
    }

    [Fact]
    public void Should_go_on_across_a_hole_that_is_not_filled_within_the_reorder_wait_and_store_those_verdicts_itself()
    {
        var wait = TimeSpan.FromMilliseconds(300);
        var sensor = Sensor_(new SensorSettings { ReorderWait = wait, GapFactor = 10 });
        Record(sensor, Sample(1), Sample(2));

        var waiting = Record(sensor, Sample(4), Sample(5)); // 3 never comes, and nothing after 5

        Assert.Empty(waiting.Readings); // answered at once: 4 and 5 wait, stored
        // No batch carries the verdict of the window 4 completed when the wait runs out: the sensor stores it.
        AwaitCondition(() => NodeDatabase.Scalar(_node.Store.Description, "SELECT count(*) FROM verdicts") == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(4, NodeDatabase.Scalar(_node.Store.Description, "SELECT last_seq FROM verdicts")); // 1, 2 and 4 filled the window: one missing is tolerated
        AwaitCondition(() => _node.Board.Latest.TryGetValue(Sensor, out var status) && status.LastSequence == 5);
        Assert.Equal(5, Assert.Single(Record(sensor, Sample(6)).Readings).Sequence - 1);
    }

    [Fact]
    public void Should_restart_the_window_after_a_gap_so_that_no_window_spans_the_hole()
    {
        var sensor = Sensor_();
        Record(sensor, Sample(1), Sample(2), Sample(3));

        var afterGap = Record(sensor, [.. new[] { 4, 5, 6 }.Select(s => Sample(s, atMs: Start.AddSeconds(60 + s - 4).ToUnixTimeMilliseconds()))]);

        Assert.Equal(SequenceVerdict.Gap, afterGap.Readings[0].Verdict);
        Assert.Equal(4, Assert.Single(afterGap.Verdicts).FirstSequence);
    }

    [Fact]
    public void Should_say_a_restarted_window_within_the_nodes_allowance_of_such_lines()
    {
        // A backlog redelivered after the node was away restarts every sensor's window at once: one line each flooded the log.
        var sensor = Sys.ActorOf(SensorActor.Props(Sensor, _node.Services with { GapLines = new FleetLogBudget(perMinute: 1) }));
        Record(sensor, Sample(1), Sample(2), Sample(3));
        ReadingsRecorded Gap(int first) => Record(sensor, [.. Enumerable.Range(first, 3).Select(s => Sample(s, atMs: Start.AddSeconds((60 * first) + s).ToUnixTimeMilliseconds()))]);

        EventFilter.Info(contains: "window restarted at seq 4: ").Expect(1, () => Gap(4));
        var held = EventFilter.Info(contains: "window restarted").Expect(0, () => Gap(7));

        Assert.Equal(SequenceVerdict.Gap, held.Readings[0].Verdict); // restarted all the same, and counted
    }

    [Fact]
    public async Task Should_warm_start_from_the_store_with_the_readings_before_its_first_one()
    {
        await _node.Store.Readings.WriteAsync(Enumerable.Range(1, 10).Select(i => Sample(i)).ToList(), [], DateTimeOffset.UtcNow, default);
        await _node.Store.Verdicts.WriteVerdictsAsync([SensorShardingSpecs.Judged(Sensor, 10)], default); // judged up to 10
        var sensor = Sensor_();

        var first = Record(sensor, Sample(11), Sample(12));

        // 8, 9, 10 from the store made the window full (its window was judged before); the next is due at 12.
        Assert.Equal(10, Assert.Single(first.Verdicts).FirstSequence);
        Assert.Equal(SequenceVerdict.Duplicate, Record(sensor, Sample(12)).Readings[0].Verdict);
    }

    [Fact]
    public async Task Should_refill_only_from_readings_before_its_first_one_when_the_store_already_holds_the_batch()
    {
        var batch = Enumerable.Range(1, 8).Select(i => Sample(i)).ToArray();
        await _node.Store.Readings.WriteAsync(batch, [], DateTimeOffset.UtcNow, default); // stored before the actor sees any of it
        var sensor = Sensor_();

        var recorded = Record(sensor, batch);

        Assert.All(recorded.Readings, r => Assert.Equal(SequenceVerdict.Next, r.Verdict));
        Assert.Equal([3L, 5L, 7L], recorded.Verdicts.Select(v => v.LastSequence));
    }

    [Fact]
    public async Task Should_not_say_its_first_batch_came_late_when_the_store_already_holds_the_readings_behind_it()
    {
        // The stream stores the batches behind the one that woke the sensor while it loads its state: it finds 4..8 in
        // the store before it takes 1..3, which the stream brought first. A fleet starting at full speed logged this as
        // readings put back in order, a line for a quarter of 10,000 sensors (bench/README.md).
        var stored = Enumerable.Range(1, 8).Select(seq => Sample(seq)).ToArray();
        await _node.Store.Readings.WriteAsync(stored, [], DateTimeOffset.UtcNow, default);
        var sensor = Sensor_();

        var recorded = EventFilter.Info(contains: "came after later ones").Expect(0, () => Record(sensor, stored[..3]));

        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L], recorded.Readings.Select(r => r.Sequence));
        Assert.Equal([3L, 5L, 7L], recorded.Verdicts.Select(v => v.LastSequence));
    }

    [Fact]
    public async Task Should_not_refill_when_woken_so_that_readings_stored_but_still_on_their_way_are_judged()
    {
        // At node start a registered sensor is woken while the broker's backlog is being stored: 1..6 are in the
        // store already and on their way to the actor.
        var stored = Enumerable.Range(1, 6).Select(seq => Sample(seq)).ToArray();
        await _node.Store.Readings.WriteAsync(stored, [], DateTimeOffset.UtcNow, default);
        var sensor = Sensor_();

        sensor.Tell(new WakeUp(Sensor));
        var recorded = Record(sensor, stored);

        Assert.All(recorded.Readings, r => Assert.Equal(SequenceVerdict.Next, r.Verdict));
        Assert.Equal([3L, 5L], recorded.Verdicts.Select(v => v.LastSequence));
    }

    [Fact]
    public void Should_raise_offline_after_silence_and_clear_it_with_the_next_reading()
    {
        var sensor = Sensor_(new SensorSettings { OfflineAfter = TimeSpan.FromMilliseconds(300), ReorderWait = SensorHarness.ReorderWait });
        Record(sensor, Sample(1));

        AwaitCondition(() => _node.Journal().Count == 1, TimeSpan.FromSeconds(5));
        Record(sensor, Sample(2));

        // Only the first two: on a loaded machine 300 ms of silence after reading 2 can pass before these lines run, and
        // then the sensor is rightly offline again (a fresh-clone run saw a third entry, "raised", once).
        Assert.Equal(["esp32-01/offline raised", "esp32-01/offline cleared"], _node.Journal().Take(2));
        Assert.Equal([AlarmTransition.Raised, AlarmTransition.Cleared], _node.Published.Changes.Take(2).Select(c => c.Transition)); // published once journalled
    }

    [Fact]
    public void Should_not_go_offline_while_the_node_cannot_hear_and_have_its_whole_offline_time_once_it_can()
    {
        _node.Dispose();
        _node = new SensorHarness(Sys, settings: new SensorCatalog { Defaults = new SensorSettings { OfflineAfter = TimeSpan.FromMilliseconds(300), ReorderWait = SensorHarness.ReorderWait } });
        var hearing = new SwitchedHearing(); // the broker session lost, the store waiting for its disk: deaf
        var sensor = Sys.ActorOf(SensorActor.Props(Sensor, _node.Services with { Hearing = hearing }));
        Record(sensor, Sample(1));

        // Five times its offline time without a word from the sensor, none of it heard: no alarm. Waited for as the
        // sensor's own checks, every 75 ms: twenty of them have looked and found the node deaf.
        var looked = hearing.Looks;
        AwaitCondition(() => hearing.Looks >= looked + 20, TimeSpan.FromSeconds(10));
        Assert.Empty(_node.Journal());

        hearing.Since = DateTimeOffset.UtcNow;
        AwaitCondition(() => _node.Journal().Count == 1, TimeSpan.FromSeconds(5));
        Assert.Equal("esp32-01/offline raised", _node.Journal()[0]);
        var raised = DateTimeOffset.FromUnixTimeMilliseconds(_node.Published.Changes[0].Alarm.RaisedAt!.Value);
        Assert.True(raised - hearing.Since >= TimeSpan.FromMilliseconds(299), $"offline {raised - hearing.Since} after the node heard again, before its whole OfflineAfter");
    }

    [Fact]
    public void Should_go_offline_when_woken_but_never_reporting()
    {
        var sensor = Sensor_(new SensorSettings { OfflineAfter = TimeSpan.FromMilliseconds(300), ReorderWait = SensorHarness.ReorderWait });

        sensor.Tell(new WakeUp(Sensor));

        AwaitCondition(() => _node.Journal().Count == 1, TimeSpan.FromSeconds(5));
        var offline = Assert.Single(_node.Published.Changes).Alarm;
        Assert.Contains("never reported", offline.Message, StringComparison.Ordinal);
        AwaitCondition(() => _node.Board.Latest.TryGetValue(Sensor, out var status) && status.Health == "offline");
    }

    [Fact]
    public void Should_raise_stuck_and_limit_alarms_and_clear_them()
    {
        var sensor = Sensor_(new SensorSettings
        {
            StuckCount = 3,
            Limits = new(StringComparer.Ordinal) { ["pressure"] = new SignalBounds(0, 5) },
            ReorderWait = SensorHarness.ReorderWait,
        });

        Record(sensor, Sample(1, flow: 50), Sample(2, flow: 50), Sample(3, flow: 50));
        Record(sensor, Sample(4, flow: 51, pressure: 9));
        Record(sensor, Sample(5, flow: 52, pressure: 4));

        Assert.Equal(["esp32-01/stuck raised", "esp32-01/stuck cleared", "esp32-01/limit raised", "esp32-01/limit cleared"], _node.Journal());
        Assert.Equal("flow", _node.Published.Changes[0].Alarm.Signal);
    }

    [Fact]
    public void Should_restart_the_window_when_a_reading_lacks_a_signal_the_model_needs()
    {
        var sensor = Sensor_();
        Record(sensor, Sample(1), Sample(2));

        var recorded = Record(sensor,
            new Reading(Sensor, Start.AddSeconds(3).ToUnixTimeMilliseconds(), 3, new Dictionary<string, double> { ["flow"] = 1 }),
            Sample(4), Sample(5), Sample(6));

        Assert.Equal(4, Assert.Single(recorded.Verdicts).FirstSequence);
    }

    [Fact]
    public void Should_apply_limits_changed_on_the_running_node_from_the_next_batch()
    {
        var sensor = Sensor_();
        Record(sensor, Sample(1, pressure: 3.5));

        _node.Settings.Register(new SensorRegistration(Sensor, null, null, new Dictionary<string, SignalBounds> { ["pressure"] = new(0, 3) }, DateTimeOffset.UtcNow));
        Record(sensor, Sample(2, pressure: 3.57));

        Assert.Equal(["esp32-01/limit raised"], _node.Journal());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _node.Dispose();
        }
    }
}
