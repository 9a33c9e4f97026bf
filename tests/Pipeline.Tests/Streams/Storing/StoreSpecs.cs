using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

/// <summary>
/// What every store provider guarantees, through the interfaces the node uses; each provider's spec class runs all of
/// them against a real database and adds what is its own.
/// </summary>
public abstract class StoreSpecs : IDisposable
{
    protected abstract PipelineStore Open();

    /// <summary>The single value of <paramref name="sql"/>, run on a connection of the provider's own.</summary>
    protected abstract long Scalar(string sql);

    protected abstract string Text(string sql);

    public abstract void Dispose();

    [Fact]
    public async Task Should_store_a_redelivered_reading_once()
    {
        using var store = Open();
        var readings = Enumerable.Range(1, 10).Select(i => Telemetry.Reading("esp32-01", i)).ToList();

        var first = await store.Readings.WriteAsync(readings, [], DateTimeOffset.UtcNow, default);
        var again = await store.Readings.WriteAsync(readings.Skip(5).Append(Telemetry.Reading("esp32-01", 11)).ToList(), [], DateTimeOffset.UtcNow, default);

        Assert.Equal((10, 0, 0), (first.Inserted, first.Duplicates, first.Rejects));
        Assert.Equal((1, 5, 0), (again.Inserted, again.Duplicates, again.Rejects));
        Assert.Equal(11, again.NewReadings.Single().Sequence);
        Assert.Equal(11, Scalar("SELECT count(*) FROM readings"));
    }

    [Fact]
    public async Task Should_open_an_existing_store_without_losing_what_it_holds()
    {
        using (var first = Open())
        {
            await first.Readings.WriteAsync([Telemetry.Reading("s1", 1)], [], DateTimeOffset.UtcNow, default);
        }

        using var again = Open();
        Assert.Equal(1, Scalar("SELECT count(*) FROM readings"));
    }

    [Fact]
    public async Task Should_keep_the_standard_signals_in_columns_and_the_others_as_json_and_read_them_back()
    {
        using var store = Open();
        var reading = new Reading("esp32-01", 1_764_090_000_000, 7, new Dictionary<string, double> { ["flow"] = 1.5, ["vibration"] = 0.25 });

        await store.Readings.WriteAsync([reading], [], DateTimeOffset.UtcNow, default);
        var back = (await store.Readings.LatestAsync("esp32-01", 10, null, default)).Single();

        Assert.Equal(15, Scalar("SELECT CAST(flow * 10 AS INTEGER) FROM readings"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM readings WHERE pressure IS NULL"));
        Assert.Contains("vibration", Text("SELECT extra FROM readings"), StringComparison.Ordinal);
        Assert.Equal((7L, 1_764_090_000_000L), (back.Sequence, back.TimestampMs));
        Assert.Equal(reading.Values.OrderBy(v => v.Key, StringComparer.Ordinal), back.Values.OrderBy(v => v.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_store_each_standard_signal_and_the_times_in_their_own_columns()
    {
        using var store = Open();
        var reading = new Reading("esp32-02", 1_764_090_000_000, 9, new Dictionary<string, double>
        {
            ["current"] = 4, ["pressure"] = 3, ["temperature"] = 2, ["flow"] = 1,
        });

        await store.Readings.WriteAsync([reading], [], DateTimeOffset.FromUnixTimeMilliseconds(1_764_090_000_250), default);

        Assert.Equal(1, Scalar(
            """
            SELECT count(*) FROM readings WHERE sensor_id = 'esp32-02' AND seq = 9 AND ts = 1764090000000 AND received_at = 1764090000250
              AND flow = 1 AND temperature = 2 AND pressure = 3 AND current = 4 AND extra IS NULL
            """));
    }

    [Fact]
    public async Task Should_give_the_newest_readings_before_a_sequence_oldest_first()
    {
        using var store = Open();
        await store.Readings.WriteAsync(Enumerable.Range(1, 20).Select(i => Telemetry.Reading("s", i)).ToList(), [], DateTimeOffset.UtcNow, default);

        var latest = await store.Readings.LatestAsync("s", 5, 15, default);

        Assert.Equal([10L, 11, 12, 13, 14], latest.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Should_give_the_oldest_readings_from_a_sequence_on_oldest_first()
    {
        using var store = Open();
        await store.Readings.WriteAsync([.. Enumerable.Range(1, 20).Where(i => i != 17).Select(i => Telemetry.Reading("s", i)), Telemetry.Reading("t", 16)], [], DateTimeOffset.UtcNow, default);

        var from = await store.Readings.FromAsync("s", 15, 4, default);

        Assert.Equal([15L, 16, 18, 19], from.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Should_keep_a_reject_with_its_raw_payload_topic_reason_and_time()
    {
        using var store = Open();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_090_000_123);

        await store.Readings.WriteAsync([], [new RejectedMessage(at, "pipeline/x/telemetry", RejectReason.NotJson, "not valid JSON at byte 0", "garbage\0"u8.ToArray())], at, default);

        Assert.Equal(1_764_090_000_123, Scalar("SELECT received_at FROM rejects"));
        Assert.Equal("pipeline/x/telemetry|NotJson|not valid JSON at byte 0", Text("SELECT topic || '|' || reason || '|' || detail FROM rejects"));
        Assert.Equal(8, Scalar("SELECT length(payload) FROM rejects"));
    }

    [Fact]
    public async Task Should_delete_readings_and_rejects_older_than_the_cutoff_only()
    {
        using var store = Open();
        var now = DateTimeOffset.UtcNow;
        var old = Enumerable.Range(1, 12_000).Select(i => Telemetry.Reading("s", i, now.AddDays(-40))).ToList();
        await store.Readings.WriteAsync(old, [new RejectedMessage(now.AddDays(-40), "t", RejectReason.NotJson, "d", new byte[] { 1 })], now, default);
        await store.Readings.WriteAsync([Telemetry.Reading("s", 12_001, now)], [new RejectedMessage(now, "t", RejectReason.NotJson, "d", new byte[] { 1 })], now, default);

        var deleted = await store.Readings.DeleteOlderThanAsync(now.AddDays(-30), now, default);

        Assert.Equal(12_001, deleted);
        Assert.Equal(1, Scalar("SELECT count(*) FROM readings"));
        Assert.Equal(12_001, Scalar("SELECT seq FROM readings"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM rejects"));
    }

    [Fact]
    public async Task Should_delete_the_old_rows_stored_after_rows_stamped_in_the_future_and_keep_those()
    {
        // The clocks ran a year ahead for a while, then were set back: the rows stored meanwhile are the table's oldest by
        // insertion and its newest by time. On SQLite the walk stopped at them and deleted nothing behind them.
        using var store = Open();
        var now = DateTimeOffset.UtcNow;
        var ahead = now.AddDays(365);
        var future = Enumerable.Range(1, 6_000).Select(i => Telemetry.Reading("s", i, ahead)).ToList();
        var rejectAhead = new RejectedMessage(ahead, "t", RejectReason.NotJson, "d", new byte[] { 1 });
        await store.Readings.WriteAsync(future, [.. Enumerable.Repeat(rejectAhead, 6_000)], ahead, default);
        var old = Enumerable.Range(6_001, 8_000).Select(i => Telemetry.Reading("s", i, now.AddDays(-40))).ToList();
        var rejectOld = new RejectedMessage(now.AddDays(-40), "t", RejectReason.NotJson, "d", new byte[] { 1 });
        await store.Readings.WriteAsync(old, [.. Enumerable.Repeat(rejectOld, 8_000)], now, default);
        await store.Readings.WriteAsync([Telemetry.Reading("s", 14_001, now)], [rejectOld with { ReceivedAt = now }], now, default);

        var deleted = await store.Readings.DeleteOlderThanAsync(now.AddDays(-30), now, default);

        Assert.Equal(16_000, deleted);
        Assert.Equal(6_001, Scalar("SELECT count(*) FROM readings"));
        Assert.Equal(0, Scalar($"SELECT count(*) FROM readings WHERE ts < {now.AddDays(-30).ToUnixTimeMilliseconds()}"));
        Assert.Equal(6_001, Scalar("SELECT count(*) FROM rejects"));
    }

    [Fact]
    public async Task Should_give_the_newest_measurement_time_stored_also_when_a_backlog_was_stored_after_it()
    {
        using var store = Open();
        var now = DateTimeOffset.UtcNow;
        Assert.Null(await store.Readings.NewestMeasuredAtAsync(default));

        await store.Readings.WriteAsync([Telemetry.Reading("s", 100, now)], [], now, default);
        await store.Readings.WriteAsync([.. Enumerable.Range(1, 99).Select(i => Telemetry.Reading("s", i, now.AddDays(-2)))], [], now, default);

        Assert.Equal(now.ToUnixTimeMilliseconds(), (await store.Readings.NewestMeasuredAtAsync(default))?.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Should_delete_verdicts_on_windows_that_ended_before_the_cutoff_only()
    {
        using var store = Open();
        var now = DateTimeOffset.UtcNow;
        var old = now.AddDays(-40).ToUnixTimeMilliseconds();
        var verdict = new Verdict("s", 1, 60, old - 59_000, old, 0.5f, [0.1f], ["flow"], 1f, false, "m@1", [0f]);
        var verdicts = Enumerable.Range(0, 12_000).Select(i => verdict with { FirstSequence = 1 + i, LastSequence = 60 + i, EndTimestampMs = old + (i * 1_000) }).ToList();
        await store.Verdicts.WriteVerdictsAsync(verdicts, default);
        await store.Verdicts.WriteVerdictsAsync([verdict with { LastSequence = 100_000, EndTimestampMs = now.ToUnixTimeMilliseconds() }], default);

        var deleted = await store.Verdicts.DeleteOlderThanAsync(now.AddDays(-30), now, default);

        Assert.Equal(12_000, deleted);
        Assert.Equal(100_000, Scalar("SELECT last_seq FROM verdicts"));
    }

    [Fact]
    public async Task Should_keep_a_redelivered_reading_once_and_refuse_as_a_reject_one_whose_sequence_number_is_stored_with_another_time()
    {
        using var store = Open();
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var first = Enumerable.Range(1, 3).Select(i => Telemetry.Reading("a", i, start.AddSeconds(i))).ToList();
        await store.Readings.WriteAsync(first, [], DateTimeOffset.UtcNow, default);
        var again = Telemetry.Reading("a", 3, DateTimeOffset.UtcNow); // the device restarted its counter

        var written = await store.Readings.WriteAsync([first[1], again, Telemetry.Reading("a", 4, DateTimeOffset.UtcNow)], [], DateTimeOffset.UtcNow, default);

        Assert.Equal([4L], written.NewReadings.Select(r => r.Sequence));
        Assert.Equal((1, 1), (written.Duplicates, written.Rejects));
        var (reading, reject) = Assert.Single(written.Refused);
        Assert.Same(again, reading);
        Assert.Equal((RejectReason.SequenceReused, "pipeline/a/telemetry"), (reject.Reason, reject.Topic));
        Assert.StartsWith("seq 3 is stored already, measured at ", reject.Detail, StringComparison.Ordinal);
        Assert.Equal(1, Scalar("SELECT count(*) FROM rejects WHERE reason = 'SequenceReused'"));
        Assert.Equal(start.AddSeconds(3).ToUnixTimeMilliseconds(), Scalar("SELECT ts FROM readings WHERE sensor_id = 'a' AND seq = 3")); // the first kept
        Assert.Contains("\"seq\":3", System.Text.Encoding.UTF8.GetString(reject.Payload.Span), StringComparison.Ordinal); // the reading as decoded
    }

    [Fact]
    public async Task Should_read_a_sensors_readings_as_training_data_in_sequence_order_and_without_a_sensor_every_sensors_one_after_another()
    {
        using var store = Open();
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        await store.Readings.WriteAsync(Enumerable.Range(1, 5).Reverse().Select(i => Telemetry.Reading("b", i, start.AddSeconds(i))).ToList(), [], DateTimeOffset.UtcNow, default);
        await store.Readings.WriteAsync(Enumerable.Range(1, 3).Select(i => Telemetry.Reading("a", i, start.AddSeconds(10 + i))).ToList(), [], DateTimeOffset.UtcNow, default);

        var one = await store.Readings.ReadSignalTableAsync("b", null, null, default);
        var every = await store.Readings.ReadSignalTableAsync(null, null, null, default);

        Assert.Equal(Enumerable.Range(1, 5).Select(i => start.AddSeconds(i).ToUnixTimeMilliseconds()), one.TimestampsMs);
        Assert.Equal(["a", "a", "a", "b", "b", "b", "b", "b"], every.Sensors!);
        Assert.Equal([11L, 12, 13, 1, 2, 3, 4, 5], every.TimestampsMs.Select(ms => (ms - start.ToUnixTimeMilliseconds()) / 1000));
        Assert.Equal(1 + 3, every.WindowCount(3, 1)); // none across the two sensors
    }

    [Fact]
    public async Task Should_take_no_training_window_across_missing_sequence_numbers_or_a_reading_without_every_signal()
    {
        using var store = Open();
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var readings = new[] { 1, 2, 3, 4, 7, 8, 9, 10, 11, 12 }.Select(i => Telemetry.Reading("a", i, start.AddSeconds(i))).ToList();
        readings[6] = readings[6] with { Values = new Dictionary<string, double> { ["flow"] = 100 } }; // 9: no pressure, temperature or current

        await store.Readings.WriteAsync(readings, [], DateTimeOffset.UtcNow, default);
        var table = await store.Readings.ReadSignalTableAsync("a", null, null, default);
        var complete = table.CompleteRows(); // what training takes: the readings with every signal it trains on

        Assert.Equal(10, table.Count);
        Assert.Equal([100f, float.NaN, float.NaN, float.NaN], table.Rows[6]);
        Assert.Equal([1L, 2, 3, 4, 7, 8, 10, 11, 12], complete.TimestampsMs.Select(ms => (ms - start.ToUnixTimeMilliseconds()) / 1000));
        Assert.Equal(3, complete.WindowCount(3, 1)); // 1-3, 2-4 and 10-12: none across 5-6 nor 9
    }

    [Fact]
    public async Task Should_read_every_signal_a_sensors_readings_carry_as_training_data_its_own_ones_too_and_nan_where_a_reading_lacks_one()
    {
        using var store = Open();
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        Reading Vibrating(int seq, double? flow) => new("b", start.AddSeconds(seq).ToUnixTimeMilliseconds(), seq, flow is { } f
            ? new Dictionary<string, double> { ["vibration"] = seq / 10.0, ["flow"] = f }
            : new Dictionary<string, double> { ["vibration"] = seq / 10.0 });
        await store.Readings.WriteAsync([Telemetry.Reading("a", 1, start), Vibrating(1, 2.5), Vibrating(2, null), Vibrating(3, 3.5)], [], DateTimeOffset.UtcNow, default);

        var one = await store.Readings.ReadSignalTableAsync("b", null, null, default);
        var every = await store.Readings.ReadSignalTableAsync(null, null, null, default);

        // The standard columns no reading of b fills are no signals of b's.
        Assert.Equal(["flow", "vibration"], one.Signals);
        Assert.Equal([[2.5f, 0.1f], [float.NaN, 0.2f], [3.5f, 0.3f]], one.Rows);
        Assert.Equal(["flow", "temperature", "pressure", "current", "vibration"], every.Signals);
        Assert.Equal(["a", "b", "b", "b"], every.Sensors!);
        Assert.True(float.IsNaN(every.Rows[0][4]));
        Assert.Equal([2.5f, float.NaN, float.NaN, float.NaN, 0.1f], every.Rows[1]);
    }

    [Fact]
    public async Task Should_label_as_anomalous_the_readings_of_windows_judged_anomalous_after_learning_and_those_stored_while_a_health_alarm_stood()
    {
        using var store = Open();
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        foreach (var seq in Enumerable.Range(1, 60))
        {
            await store.Readings.WriteAsync([Moving("a", seq, start)], [], start.AddSeconds(seq), default); // stored as measured
        }

        Verdict Window(string sensor, int first, bool anomalous, bool learning = false, bool alarm = false) =>
            new(sensor, first, first + 4, 0, 0, 1f, [1f], ["flow"], 1f, anomalous, "m@1", [0f], learning, alarm);
        await store.Verdicts.WriteVerdictsAsync(
        [
            Window("a", 1, anomalous: true, learning: true), // the learning period judges by the model's statistics: no fault of the sensor
            Window("a", 11, anomalous: false),
            Window("a", 21, anomalous: true),
            Window("a", 23, anomalous: true), // overlapping the one before
            Window("a", 41, anomalous: false, alarm: true), // below the threshold, the alarm not yet cleared
            Window("b", 51, anomalous: true), // another sensor's
        ], default);
        AlarmChange Health(string sensor, AlarmType type, AlarmTransition transition, int second) =>
            new(Alarm.Normal(sensor, type) with { Message = "m" }, transition, start.AddSeconds(second).ToUnixTimeMilliseconds());
        await store.Alarms.RecordAsync(
        [
            Health("a", AlarmType.Stuck, AlarmTransition.Raised, 31),
            Health("a", AlarmType.Offline, AlarmTransition.Raised, 33), // no readings to leave out
            Health("a", AlarmType.Limit, AlarmTransition.Raised, 2), // the operator's limit: the model's verdicts say whether it is abnormal
            Health("a", AlarmType.Stuck, AlarmTransition.Acknowledged, 34),
            Health("a", AlarmType.Stuck, AlarmTransition.Cleared, 35),
            Health("a", AlarmType.Offline, AlarmTransition.Cleared, 38),
            Health("b", AlarmType.Limit, AlarmTransition.Raised, 50), // another sensor's
            Health("a", AlarmType.Pulsation, AlarmTransition.Raised, 55), // still standing
        ], [], default);

        var table = await store.Readings.ReadSignalTableAsync("a", null, null, default);

        var flagged = Enumerable.Range(1, 60).Where(seq => table.Labels![seq - 1] == 1);
        // 21-27 and 41-45 the windows, 31-35 the stuck alarm, 55-60 the pulsation alarm and 26-54 the 29 readings
        // before its raise (since 2026-12-03: the pulsation watch's median window it was raised on).
        Assert.Equal(Enumerable.Range(21, 40), flagged);
        Assert.Equal(20, table.NormalRows().Count);
    }

    [Fact]
    public async Task Should_label_as_anomalous_the_whole_run_of_a_stuck_value_also_the_readings_before_its_alarm_was_raised()
    {
        using var store = Open();
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        foreach (var seq in Enumerable.Range(1, 60))
        {
            // The motor off throughout (current 0, as at a stop); the pressure stuck from 21 to 40, which the node counted
            // stuck at its 15th repeat.
            var reading = Moving("a", seq, start);
            reading = reading with
            {
                Values = new Dictionary<string, double>(reading.Values) { ["current"] = 0, ["pressure"] = seq is >= 21 and <= 40 ? 4.2 : reading.Values["pressure"] },
            };

            await store.Readings.WriteAsync([reading], [], start.AddSeconds(seq), default);
        }

        AlarmChange Stuck(AlarmTransition transition, int second) =>
            new(Alarm.Normal("a", AlarmType.Stuck) with { Message = "pressure stuck" }, transition, start.AddSeconds(second).ToUnixTimeMilliseconds());
        await store.Alarms.RecordAsync([Stuck(AlarmTransition.Raised, 35), Stuck(AlarmTransition.Cleared, 41)], [], default);

        var table = await store.Readings.ReadSignalTableAsync("a", null, null, default);

        Assert.Equal(Enumerable.Range(21, 21), Enumerable.Range(1, 60).Where(seq => table.Labels![seq - 1] == 1)); // 21-40 stuck, 41 stored as it cleared
    }

    [Fact]
    public async Task Should_label_as_anomalous_the_readings_a_pulsation_alarm_was_raised_on_but_not_across_a_gap()
    {
        using var store = Open();
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        foreach (var seq in Enumerable.Range(1, 60).Where(seq => seq != 25)) // 25 lost: 26 is after a gap
        {
            await store.Readings.WriteAsync([Moving("a", seq, start)], [], start.AddSeconds(seq), default);
        }

        AlarmChange Pulsation(AlarmTransition transition, int second) =>
            new(Alarm.Normal("a", AlarmType.Pulsation) with { Message = "flow pulsating" }, transition, start.AddSeconds(second).ToUnixTimeMilliseconds());
        await store.Alarms.RecordAsync([Pulsation(AlarmTransition.Raised, 40), Pulsation(AlarmTransition.Cleared, 50)], [], default);

        var table = await store.Readings.ReadSignalTableAsync("a", null, null, default);

        // 40-50 stood; the 29 readings before 40 are 11-39, of which 26-39 come after the gap.
        Assert.Equal(Enumerable.Range(26, 25), table.TimestampsMs.Select(ms => (int)((ms - start.ToUnixTimeMilliseconds()) / 1000)).Where((_, r) => table.Labels![r] == 1));
    }

    /// <summary>A reading whose every signal moves from one to the next, as a running pump's do.</summary>
    private static Reading Moving(string sensor, int seq, DateTimeOffset start) => new(
        sensor, start.AddSeconds(seq).ToUnixTimeMilliseconds(), seq,
        new Dictionary<string, double> { ["flow"] = 120 + (seq * 0.1), ["temperature"] = 21 + (seq * 0.01), ["pressure"] = 4 + (seq * 0.001), ["current"] = 8 + (seq * 0.01) });

    [Fact]
    public async Task Should_store_each_windows_verdict_once()
    {
        using var store = Open();
        var verdict = new Verdict("s", 1, 60, 0, 59_000, 0.5f, [0.1f, 0.9f], ["flow", "pressure"], 1f, false, "m@1", [0f, 0f]);

        var first = await store.Verdicts.WriteVerdictsAsync([verdict, verdict with { FirstSequence = 2, LastSequence = 61 }], default);
        var again = await store.Verdicts.WriteVerdictsAsync([verdict], default);

        Assert.Equal((2, 0), (first, again));
        Assert.Equal(2, Scalar("SELECT count(*) FROM verdicts"));
    }

    [Fact]
    public async Task Should_store_every_column_of_a_verdict_as_judged()
    {
        using var store = Open();
        var verdict = new Verdict("esp32-07", 11, 70, 1_000, 60_000, 2.5f, [0.25f, 4.5f], ["flow", "pressure"], 3.75f, false, "pump@20260101T000000Z",
            [0f, 0f], Learning: true, AlarmActive: true);
        var anomalous = verdict with { SensorId = "esp32-08", Anomalous = true, Learning = false, AlarmActive = false };

        await store.Verdicts.WriteVerdictsAsync([verdict, anomalous], default);

        Assert.Equal(1, Scalar(
            """
            SELECT count(*) FROM verdicts WHERE sensor_id = 'esp32-07' AND first_seq = 11 AND last_seq = 70 AND start_ts = 1000
              AND end_ts = 60000 AND score = 2.5 AND threshold = 3.75 AND anomalous = 0 AND model_version = 'pump@20260101T000000Z'
              AND learning = 1 AND alarm = 1
            """));
        Assert.Equal(1, Scalar("SELECT count(*) FROM verdicts WHERE sensor_id = 'esp32-08' AND anomalous = 1 AND learning = 0 AND alarm = 0"));
        Assert.Equal("{\"flow\":0.25,\"pressure\":4.5}", Text("SELECT per_signal FROM verdicts WHERE sensor_id = 'esp32-07'"));
    }

    [Fact]
    public async Task Should_register_sensors_keep_their_status_and_list_them()
    {
        using var store = Open();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        await store.Sensors.RegisterSensorAsync(new SensorRegistration("esp32-01", "Outlet", "pump house", SensorRegistration.ParseLimits("pressure=0.5:10"), at), default);
        await store.Sensors.UpsertSensorStatusAsync(
            [new SensorStatus("esp32-01", at, 42, 60, 60, "ok", "node-a", 3, 1, 2, at), new SensorStatus("esp32-09", at, 7, 5, 60, "offline", "node-a", 0, 0, 0, at)],
            default);

        var registered = await store.Sensors.RegisteredSensorsAsync(default);
        var listed = await store.Sensors.ListSensorsAsync(default);

        Assert.Equal("esp32-01", registered.Single().SensorId);
        Assert.Equal((0.5, 10.0), (registered.Single().Limits["pressure"].Min, registered.Single().Limits["pressure"].Max));
        Assert.Equal(["esp32-01", "esp32-09"], listed.Select(s => s.SensorId));
        Assert.Equal(("Outlet", (long?)42, "ok", 3L, 1L, 2L), (listed[0].DisplayName, listed[0].LastSequence, listed[0].Health, listed[0].Duplicates, listed[0].OutOfOrder, listed[0].Gaps));
        Assert.Null(listed[1].RegisteredAt);
    }

    [Fact]
    public async Task Should_list_with_each_sensor_when_its_node_was_last_seen_running_and_when_it_stopped_and_forget_nodes_gone_for_a_week()
    {
        using var store = Open();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        await store.Sensors.UpsertSensorStatusAsync(
        [
            new SensorStatus("esp32-01", at, 1, 60, 60, "ok", "node-a", 0, 0, 0, at),
            new SensorStatus("esp32-02", at, 1, 60, 60, "ok", "node-b", 0, 0, 0, at),
            new SensorStatus("esp32-03", at, 1, 60, 60, "ok", "node-c", 0, 0, 0, at), // a node of a version that kept no row
        ], default);

        await store.Sensors.RecordNodeAsync("node-a", at.AddSeconds(10), stopped: false, default);
        await store.Sensors.RecordNodeAsync("node-b", at.AddSeconds(10), stopped: false, default);
        await store.Sensors.RecordNodeAsync("node-b", at.AddSeconds(20), stopped: true, default);
        await store.Sensors.RecordNodeAsync("node-old", at.AddDays(-8), stopped: true, default); // names no sensor
        await store.Sensors.RecordNodeAsync("node-a", at.AddSeconds(30), stopped: false, default);
        await store.Sensors.ForgetNodesAsync(at.AddDays(-7), default);

        var listed = await store.Sensors.ListSensorsAsync(default);

        Assert.Equal(
            [("esp32-01", (DateTimeOffset?)at.AddSeconds(30), (DateTimeOffset?)null), ("esp32-02", at.AddSeconds(20), at.AddSeconds(20)), ("esp32-03", null, null)],
            listed.Select(s => (s.SensorId, s.NodeSeenAt, s.NodeStoppedAt)));
        Assert.Equal(2, Scalar("SELECT count(*) FROM nodes")); // node-old forgotten
    }

    [Fact]
    public async Task Should_journal_every_alarm_transition_keep_the_current_state_and_reload_open_alarms_per_sensor()
    {
        using var store = Open();
        var raised = Alarm.Normal("esp32-01", AlarmType.Anomaly) with { State = AlarmState.ActiveUnacknowledged, RaisedAt = 5, Count = 1, Message = "m" };
        var offline = Alarm.Normal("esp32-02", AlarmType.Offline) with { State = AlarmState.ActiveUnacknowledged, RaisedAt = 6, Message = "silent" };
        await store.Alarms.RecordAsync([new AlarmChange(raised, AlarmTransition.Raised, 5), new AlarmChange(offline, AlarmTransition.Raised, 6)], [], default);
        await store.Alarms.RecordAsync([new AlarmChange(raised with { State = AlarmState.ActiveAcknowledged, AcknowledgedAt = 7 }, AlarmTransition.Acknowledged, 7)], [], default);

        var all = await store.Alarms.LoadOpenAsync(null, default);
        var one = await store.Alarms.LoadOpenAsync("esp32-01", default);

        Assert.Equal(["esp32-01/anomaly", "esp32-02/offline"], all.Select(a => a.Id));
        Assert.Equal(AlarmState.ActiveAcknowledged, one.Single().State);
        Assert.Equal(3, Scalar("SELECT count(*) FROM alarm_events"));
        Assert.Equal("active-acknowledged|acknowledged", Text("SELECT state || '|' || transition FROM alarm_events WHERE at = 7"));
    }

    [Fact]
    public async Task Should_journal_alarm_changes_with_the_verdicts_behind_them_and_read_the_newest_back_oldest_first()
    {
        using var store = Open();
        var verdict = new Verdict("esp32-01", 1, 60, 0, 59_000, 2.5f, [0.1f, 0.9f], ["flow", "pressure"], 1f, true, "m@1", [0f, 0f]);
        var raised = Alarm.Normal("esp32-01", AlarmType.Anomaly) with { State = AlarmState.ActiveUnacknowledged, RaisedAt = 5, Count = 1 };
        Verdict[] batch = [verdict, verdict with { FirstSequence = 2, LastSequence = 61, Score = 0.5f, Anomalous = false, Learning = true }, verdict with { FirstSequence = 3, LastSequence = 62 }];
        await store.Alarms.RecordAsync([new AlarmChange(raised, AlarmTransition.Raised, 5)], batch, default);

        var writtenAfter = await store.Verdicts.WriteVerdictsAsync(batch, default); // the stream's write that follows
        var newest = await store.Alarms.LoadJudgedAsync("esp32-01", 2, default);

        Assert.Equal(0, writtenAfter);
        Assert.Equal(3, Scalar("SELECT count(*) FROM verdicts"));
        Assert.Equal([new JudgedWindow(61, 0.5, 1, true), new JudgedWindow(62, 2.5, 1, false)], newest);
        Assert.Empty(await store.Alarms.LoadJudgedAsync("esp32-02", 2, default));
    }

    [Fact]
    public async Task Should_keep_each_sensors_calibration_per_model_and_forget_it_on_recommission()
    {
        using var store = Open();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        var calibration = new SensorCalibration("esp32-01", "default@1", [1.5f, 20f], [0.25f, 0.5f], [0.01f, -0.02f], [0.1f, 0.2f], 12.5f, 400, at);
        await store.Calibrations.SaveCalibrationAsync(calibration, default);
        await store.Calibrations.SaveCalibrationAsync(calibration with { Threshold = 0.8f }, default); // refitted: replaces
        await store.Calibrations.SaveCalibrationAsync(calibration with { SensorId = "esp32-02" }, default);
        await store.Calibrations.SaveCalibrationAsync(calibration with { ModelVersion = "other@2" }, default);

        var loaded = (await store.Calibrations.LoadCalibrationsAsync("default@1", default)).OrderBy(c => c.SensorId, StringComparer.Ordinal).ToList();
        var one = await store.Calibrations.LoadCalibrationAsync("esp32-01", "other@2", default);
        var deleted = await store.Calibrations.DeleteCalibrationsAsync("esp32-01", default);

        Assert.Equal(["esp32-01", "esp32-02"], loaded.Select(c => c.SensorId));
        Assert.Equal(0.8f, loaded[0].Threshold);
        Assert.Equal(calibration.Mean, loaded[0].Mean);
        Assert.Equal(calibration.Std, loaded[0].Std);
        Assert.Equal(calibration.ResidualCentre, loaded[0].ResidualCentre);
        Assert.Equal(calibration.ResidualSpread, loaded[0].ResidualSpread);
        Assert.Equal((400, at), (loaded[0].Readings, loaded[0].CalibratedAt));
        Assert.Equal("other@2", one!.ModelVersion);
        Assert.Equal(2, deleted); // both models' calibrations of esp32-01
        Assert.Null(await store.Calibrations.LoadCalibrationAsync("esp32-01", "default@1", default));
        Assert.Equal(["esp32-02"], (await store.Calibrations.LoadCalibrationsAsync("default@1", default)).Select(c => c.SensorId));
        Assert.Null(loaded[0].Levels); // a model that does not watch levels
    }

    [Fact]
    public async Task Should_keep_the_level_watchs_baseline_with_a_calibration()
    {
        using var store = Open();
        var levels = new LevelBaseline([31.5f, 20f], [0.12f, 0f]);
        var calibration = new SensorCalibration("esp32-01", "skab@1", [1.5f, 20f], [0.25f, 0.5f], [0.01f, -0.02f], [0.1f, 0.2f], 12.5f, 400,
            DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000), levels);

        await store.Calibrations.SaveCalibrationAsync(calibration, default);
        var loaded = await store.Calibrations.LoadCalibrationAsync("esp32-01", "skab@1", default);

        Assert.Equal(levels.Level, loaded!.Levels!.Level);
        Assert.Equal(levels.Spread, loaded.Levels.Spread);
    }
}
