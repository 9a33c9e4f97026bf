using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Sensors;

public sealed class SensorActorSpecs : TestKit
{
    private const string Sensor = "esp32-01";
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddMinutes(-10);
    private static readonly WindowSpec Spec = new(3, ["flow", "pressure"], Stride: 2);

    private readonly RecordingStatusBoard _board = new();

    private static Reading Sample(long seq, double flow = double.NaN, double pressure = 4.0, long? atMs = null) => new(
        Sensor,
        atMs ?? Start.AddSeconds(seq).ToUnixTimeMilliseconds(),
        seq,
        new Dictionary<string, double> { ["flow"] = double.IsNaN(flow) ? 100 + seq : flow, ["pressure"] = pressure + (seq * 0.01) });

    private IActorRef Sensor_(SensorSettings? settings = null, IReadingHistory? history = null, WindowSpec? spec = null) =>
        Sys.ActorOf(SensorActor.Props(Sensor, settings ?? new SensorSettings(), spec ?? Spec, history ?? new InMemoryHistory(), _board));

    private ReadingRecorded Record(IActorRef sensor, Reading reading)
    {
        sensor.Tell(new RecordReading(reading), TestActor);
        return ExpectMsg<ReadingRecorded>();
    }

    [Fact]
    public void Should_emit_the_right_windows_every_stride_across_wrap_around()
    {
        var sensor = Sensor_();

        var windows = Enumerable.Range(1, 8).Select(seq => Record(sensor, Sample(seq)).Window).ToList();

        Assert.Equal([null, null, 3L, null, 5L, null, 7L, null], windows.Select(w => w?.LastSequence));
        var last = windows[6]!;
        Assert.Equal(5, last.FirstSequence);
        Assert.Equal([105f, 4.05f, 106f, 4.06f, 107f, 4.07f], last.Values);
    }

    [Fact]
    public void Should_record_a_store_batchs_readings_in_one_message_as_one_by_one()
    {
        var readings = new[] { 1, 2, 3, 3, 4, 5, 2, 6, 7 }.Select(seq => Sample(seq)).ToList();
        var oneByOne = Sensor_();
        var expected = readings.Select(r => Record(oneByOne, r)).ToList();
        var batched = Sensor_();

        batched.Tell(new RecordReadings(Sensor, readings[..4]), TestActor);
        var first = ExpectMsg<ReadingsRecorded>();
        batched.Tell(new RecordReadings(Sensor, readings[4..]), TestActor);
        var second = ExpectMsg<ReadingsRecorded>();

        var outcomes = first.Readings.Concat(second.Readings).ToList();
        Assert.Equal(expected.Select(e => (e.Sequence, e.Verdict, e.Reason, e.Window?.LastSequence)),
            outcomes.Select(o => (o.Sequence, o.Verdict, o.Reason, o.Window?.LastSequence)));
        Assert.Equal(expected.Select(e => e.Window?.Values), outcomes.Select(o => o.Window?.Values));
    }

    [Fact]
    public void Should_ignore_and_count_a_duplicate_and_reject_an_older_reading_with_its_reason()
    {
        var sensor = Sensor_();
        Record(sensor, Sample(1));
        Record(sensor, Sample(2));

        var duplicate = Record(sensor, Sample(2));
        var older = Record(sensor, Sample(1));
        var next = Record(sensor, Sample(3));

        Assert.Equal(SequenceVerdict.Duplicate, duplicate.Verdict);
        Assert.Equal(SequenceVerdict.OutOfOrder, older.Verdict);
        Assert.Equal("sequence 1 is older than the last accepted 2", older.Reason);
        Assert.NotNull(next.Window); // neither disturbed the window
        sensor.Tell(new GetSensorStatus(Sensor));
        var status = ExpectMsg<SensorStatus>();
        Assert.Equal((1L, 1L, 3L), (status.Duplicates, status.OutOfOrder, status.LastSequence));
    }

    [Fact]
    public void Should_restart_the_window_after_a_gap_so_that_no_window_spans_the_hole()
    {
        var sensor = Sensor_();
        Record(sensor, Sample(1));
        Record(sensor, Sample(2));
        Record(sensor, Sample(3));

        var afterGap = Record(sensor, Sample(4, atMs: Start.AddSeconds(60).ToUnixTimeMilliseconds()));
        var windows = new[] { 5, 6 }.Select(s => Record(sensor, Sample(s, atMs: Start.AddSeconds(60 + s - 4).ToUnixTimeMilliseconds())).Window).ToList();

        Assert.Equal(SequenceVerdict.Gap, afterGap.Verdict);
        Assert.Null(afterGap.Window);
        Assert.Null(windows[0]);
        Assert.Equal(4, windows[1]!.FirstSequence);
    }

    [Fact]
    public async Task Should_warm_start_from_a_store_holding_readings()
    {
        using var temp = new TempDirectory();
        using var store = PipelineStore.Open(new StoreOptions { Path = temp.Combine("node.db") });
        await store.Readings.WriteAsync(Enumerable.Range(1, 10).Select(i => Sample(i)).ToList(), [], DateTimeOffset.UtcNow, default);
        var sensor = Sensor_(history: store.Readings, spec: new WindowSpec(5, ["flow", "pressure"]));

        var first = Record(sensor, Sample(11));

        Assert.NotNull(first.Window);
        Assert.Equal(7, first.Window.FirstSequence);
        Assert.Equal([107f, 108f, 109f, 110f, 111f], Enumerable.Range(0, 5).Select(t => first.Window[t, 0]));
        Assert.Equal(SequenceVerdict.Duplicate, Record(sensor, Sample(11)).Verdict);
    }

    [Fact]
    public async Task Should_refill_only_from_readings_before_its_first_one_when_the_store_already_holds_the_batch()
    {
        using var temp = new TempDirectory();
        using var store = PipelineStore.Open(new StoreOptions { Path = temp.Combine("node.db") });
        var batch = Enumerable.Range(1, 8).Select(i => Sample(i)).ToList();
        await store.Readings.WriteAsync(batch, [], DateTimeOffset.UtcNow, default); // stored before the actor sees any of it
        var sensor = Sensor_(history: store.Readings);

        var verdicts = batch.Select(r => Record(sensor, r).Verdict).ToList();

        Assert.All(verdicts, v => Assert.Equal(SequenceVerdict.Next, v));
    }

    [Fact]
    public void Should_report_offline_after_silence_and_clear_it_with_the_next_reading()
    {
        var health = CreateTestProbe();
        Sys.EventStream.Subscribe(health, typeof(HealthEvent));
        var sensor = Sensor_(new SensorSettings { OfflineAfter = TimeSpan.FromMilliseconds(300) });
        Record(sensor, Sample(1));

        var offline = health.ExpectMsg<HealthEvent>(TimeSpan.FromSeconds(5));
        Record(sensor, Sample(2));
        var back = health.ExpectMsg<HealthEvent>();

        Assert.Equal((HealthCondition.Offline, true), (offline.Condition, offline.Active));
        Assert.Equal((HealthCondition.Offline, false), (back.Condition, back.Active));
        health.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Should_go_offline_when_woken_but_never_reporting()
    {
        var health = CreateTestProbe();
        Sys.EventStream.Subscribe(health, typeof(HealthEvent));
        var sensor = Sensor_(new SensorSettings { OfflineAfter = TimeSpan.FromMilliseconds(300) });

        sensor.Tell(new WakeUp(Sensor));

        var offline = health.ExpectMsg<HealthEvent>(TimeSpan.FromSeconds(5));
        Assert.Contains("never reported", offline.Detail, StringComparison.Ordinal);
        AwaitCondition(() => _board.Latest.TryGetValue(Sensor, out var status) && status.Health == "offline");
    }

    [Fact]
    public void Should_not_refill_when_woken_so_that_readings_stored_but_still_on_their_way_are_scored()
    {
        // At node start a registered sensor is woken while the broker's backlog is being stored: 1..6 are in the
        // store already and on their way to the actor.
        var stored = Enumerable.Range(1, 6).Select(seq => Sample(seq)).ToArray();
        var sensor = Sensor_(history: new InMemoryHistory(stored));

        sensor.Tell(new WakeUp(Sensor));
        var recorded = stored.Select(r => Record(sensor, r)).ToList();

        Assert.All(recorded, r => Assert.Equal(SequenceVerdict.Next, r.Verdict));
        Assert.Equal([3L, 5L], recorded.Where(r => r.Window is not null).Select(r => r.Window!.LastSequence));
    }

    [Fact]
    public void Should_report_stuck_and_out_of_range_and_clear_them()
    {
        var health = CreateTestProbe();
        Sys.EventStream.Subscribe(health, typeof(HealthEvent));
        var sensor = Sensor_(new SensorSettings
        {
            StuckCount = 3,
            Limits = new(StringComparer.Ordinal) { ["pressure"] = new SignalBounds(0, 5) },
        });

        Record(sensor, Sample(1, flow: 50));
        Record(sensor, Sample(2, flow: 50));
        Record(sensor, Sample(3, flow: 50));
        var stuck = health.ExpectMsg<HealthEvent>();
        Record(sensor, Sample(4, flow: 51, pressure: 9));
        var events = new[] { health.ExpectMsg<HealthEvent>(), health.ExpectMsg<HealthEvent>() };
        Record(sensor, Sample(5, flow: 52, pressure: 4));
        var inRange = health.ExpectMsg<HealthEvent>();

        Assert.Equal((HealthCondition.Stuck, "flow", true), (stuck.Condition, stuck.Signal, stuck.Active));
        Assert.Contains(events, e => e is { Condition: HealthCondition.Stuck, Active: false });
        Assert.Contains(events, e => e is { Condition: HealthCondition.OutOfRange, Signal: "pressure", Active: true });
        Assert.Equal((HealthCondition.OutOfRange, false), (inRange.Condition, inRange.Active));
    }

    [Fact]
    public void Should_restart_the_window_when_a_reading_lacks_a_signal_the_model_needs()
    {
        var sensor = Sensor_();
        Record(sensor, Sample(1));
        Record(sensor, Sample(2));

        Record(sensor, new Reading(Sensor, Start.AddSeconds(3).ToUnixTimeMilliseconds(), 3, new Dictionary<string, double> { ["flow"] = 1 }));

        Assert.Null(Record(sensor, Sample(4)).Window);
        Assert.Null(Record(sensor, Sample(5)).Window);
        Assert.Equal(4, Record(sensor, Sample(6)).Window!.FirstSequence);
    }
}
