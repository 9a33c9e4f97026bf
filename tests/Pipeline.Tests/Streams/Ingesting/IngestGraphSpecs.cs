using Microsoft.Data.Sqlite;
using Pipeline.Models.Detection;
using Pipeline.Models.Security;
using Pipeline.Models.Sensors;
using Pipeline.Models.Topics;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Ingesting;

/// <summary>At-least-once ingest against a real Mosquitto: every reading stored exactly once, acknowledged only after.</summary>
[Trait("Category", "Process")]
public sealed class IngestGraphSpecs : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private MosquittoProcess _mosquitto = null!;

    private StoreOptions Store => new() { Path = _pki.Scratch("node.db"), BatchSize = 64 };

    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));

    [Fact]
    public async Task Should_store_exactly_n_rows_for_n_published_readings()
    {
        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, Store);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect\n" + _mosquitto.Log);

        await Task.WhenAll(
            new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 3000, default),
            new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device2).PublishAsync(1, 2000, default));

        await Eventually.HoldsAsync(() => node.Metrics.Acknowledged >= 5000, Patience, () => $"acknowledged {node.Metrics.Acknowledged}");
        Assert.Equal(5000, node.Count("readings"));
        Assert.Equal(0, node.Count("rejects"));
        Assert.Equal(node.Metrics.Received, node.Metrics.Acknowledged);
        node.Logger.AssertNoErrors();
    }

    [Theory]
    [InlineData(0, 10, 20)] // no commit interval: each reading is written as it comes, in a transaction of its own
    [InlineData(5, 1, 2)] // 5 s: the 20 readings (about a second) share one, or two if a tick of the interval falls among them
    public async Task Should_write_readings_that_arrive_within_the_commit_interval_in_one_transaction(int intervalSeconds, int fewest, int most)
    {
        var store = Store with { CommitInterval = TimeSpan.FromSeconds(intervalSeconds) };
        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, store);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect\n" + _mosquitto.Log);
        await using var device = await MqttTestClient.ConnectAsync(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1);

        for (var seq = 1; seq <= 20; seq++)
        {
            await device.PublishAsync(TopicContract.Telemetry(TestPki.Device1), Telemetry.Payload(seq));
            await Task.Delay(50); // a device's pace, not a wait for the node
        }

        await Eventually.HoldsAsync(() => node.Metrics.Acknowledged >= 20, Patience, () => $"acknowledged {node.Metrics.Acknowledged}");
        // A transaction stamps its readings with one received_at.
        var transactions = node.Count("(SELECT DISTINCT received_at FROM readings)");
        Assert.InRange(transactions, fewest, most);
        Assert.Equal(20, node.Count("readings"));
    }

    [Fact]
    public async Task Should_keep_every_malformed_message_with_its_reason_and_keep_running()
    {
        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, Store);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect");
        string[] malformed =
        [
            "not json",
            """{"ts":1,"seq":1,"flow":1}""",
            """{"seq":5,"flow":1}""",
            """{"ts":NOW,"seq":5,"flow":"high"}""",
            """{"ts":NOW,"seq":5,"flow":NaN}""",
            """{"ts":NOW,"seq":5,"pressure":5000}""",
            """{"ts":NOW,"seq":5,"sensor":"esp32-02","flow":1}""",
        ];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Every 10th message is malformed; the valid ones carry the sequence numbers 1..180.
        var publisher = new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1);
        await publisher.PublishAsync(1, 200, default, i => i % 10 == 0
            ? malformed[(int)(i / 10) % malformed.Length].Replace("NOW", now, StringComparison.Ordinal)
            : Telemetry.Payload(i - (i / 10)));
        await publisher.PublishAsync(1001, 1010, default); // and the stream still runs

        await Eventually.HoldsAsync(() => node.Metrics.Acknowledged >= 210, Patience, () => $"acknowledged {node.Metrics.Acknowledged}");
        Assert.Equal(190, node.Count("readings"));
        Assert.Equal(20, node.Count("rejects"));
        using var reader = new SqliteConnection($"Data Source={node.Store.Description};Mode=ReadOnly;Pooling=False");
        reader.Open();
        using var reasons = new SqliteCommand("SELECT DISTINCT reason FROM rejects ORDER BY reason", reader).ExecuteReader();
        var seen = new List<string>();
        while (reasons.Read())
        {
            seen.Add(reasons.GetString(0));
        }

        Assert.Equal(["MissingField", "NotFinite", "NotJson", "OutOfPhysicalBounds", "SensorMismatch", "TimestampTooOld", "WrongType"], seen);
        Assert.Equal(20, node.Metrics.Rejected);
        Assert.Contains(node.Logger.At(Microsoft.Extensions.Logging.LogLevel.Warning), m => m.Contains("Rejected telemetry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_refuse_as_rejects_the_readings_of_a_device_whose_counter_went_back_and_judge_none_of_them()
    {
        var judged = new System.Collections.Concurrent.ConcurrentQueue<Pipeline.Models.Telemetry.Reading>();
        var sensors = new ScriptedSensorFleet(readings =>
        {
            foreach (var reading in readings)
            {
                judged.Enqueue(reading);
            }

            return Task.FromResult<IReadOnlyList<Verdict>>([]);
        });
        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, Store, sensors: sensors);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect");
        var before = DateTimeOffset.UtcNow.AddMinutes(-10);
        var publisher = new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1);

        await publisher.PublishAsync(1, 20, default, seq => Telemetry.Payload(seq, before.AddSeconds(seq)));
        // The device restarts without keeping its counter: 1 to 5 again, measured now.
        await publisher.PublishAsync(1, 5, default, seq => Telemetry.Payload(seq, DateTimeOffset.UtcNow));

        await Eventually.HoldsAsync(() => node.Metrics.Acknowledged >= 25, Patience, () => $"acknowledged {node.Metrics.Acknowledged}");
        Assert.Equal(20, node.Count("readings"));
        Assert.Equal(5, node.Count("rejects WHERE reason = 'SequenceReused'"));
        Assert.Equal((5, 0), (node.Metrics.Rejected, node.Metrics.Duplicates));
        Assert.Equal(20, judged.Count); // none of the refused ones: the store holds none of them
        Assert.Contains(node.Logger.At(Microsoft.Extensions.Logging.LogLevel.Warning), m =>
            m.Contains("SequenceReused: seq 1 is stored already", StringComparison.Ordinal) && m.Contains("the device's sequence counter went back", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_say_that_the_node_clock_is_probably_behind_when_three_devices_readings_are_from_the_future()
    {
        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, Store);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect");
        var anHourAhead = DateTimeOffset.UtcNow.AddHours(1); // as the devices see it while the node's clock is an hour behind

        foreach (var device in new[] { TestPki.Device1, TestPki.Device2, TestPki.Renewed })
        {
            await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, device).PublishAsync(1, 2, default, seq => Telemetry.Payload(seq, anHourAhead));
        }

        await Eventually.HoldsAsync(() => node.Metrics.Acknowledged >= 6, Patience, () => $"acknowledged {node.Metrics.Acknowledged}");
        Assert.Equal(6, node.Count("rejects WHERE reason = 'TimestampInFuture'"));
        var warning = Assert.Single(node.Logger.At(Microsoft.Extensions.Logging.LogLevel.Warning), m => m.Contains("the node's clock is probably behind", StringComparison.Ordinal));
        Assert.Contains($"Readings of 3 devices ({TestPki.Device1}, {TestPki.Device2}, {TestPki.Renewed})", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_bound_messages_in_flight_while_the_store_is_blocked_and_store_all_after()
    {
        // The bound: MaxInFlight unacknowledged messages (Receive Maximum, and the intake queue's capacity for a broker
        // that overshoots it, as Mosquitto 2.0.11 does after acks resume) plus two batches inside the graph.
        var store = Store with { BatchSize = 16, BusyTimeout = TimeSpan.FromMilliseconds(300) };
        var mqtt = new MqttOptions { CertsDirectory = _pki.CertsDirectory, MaxInFlight = 50, ReconnectMinDelay = TimeSpan.FromMilliseconds(200) };
        var bound = mqtt.MaxInFlight + (2 * store.BatchSize) + 1;
        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, store, mqtt);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect");

        using (var other = new SqliteConnection($"Data Source={store.Path}"))
        {
            other.Open();
            using var hold = other.BeginTransaction(deferred: false); // another process holds the write lock
            await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 1000, default);
            await Eventually.HoldsAsync(() => node.Store.BusyRetries >= 3, Patience, () => "the store never found the file locked"); // it tried, and waits

            Assert.Equal(0, node.Metrics.Stored);
            Assert.Equal(0, node.Metrics.Acknowledged);
            Assert.InRange(node.Metrics.InFlight, 1, bound);
            hold.Rollback();
        }

        await Eventually.HoldsAsync(() => node.Metrics.Acknowledged >= 1000, Patience, () => $"acknowledged {node.Metrics.Acknowledged}");
        Assert.Equal(1000, node.Count("readings"));
        Assert.InRange(node.Metrics.MaxInFlight, 1, bound);
    }

    [Fact]
    public async Task Should_end_without_failing_when_aborted_while_a_write_waits_for_a_locked_store()
    {
        // A node stopped while its store is locked does not drain (IngestService: "Not draining: ..."); it aborts the
        // stream. The waiting write then failed its stage, which Akka logged as an error on every such stop.
        using var aborting = new CancellationTokenSource();
        var store = Store with { BatchSize = 16, BusyTimeout = TimeSpan.FromMilliseconds(300) };
        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, store, abort: aborting.Token);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect");
        using var other = new SqliteConnection($"Data Source={store.Path}");
        other.Open();
        using var hold = other.BeginTransaction(deferred: false);
        await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 100, default);
        await Eventually.HoldsAsync(() => node.Store.BusyRetries >= 2, Patience, () => "the store never found the file locked");

        await aborting.CancelAsync();
        node.CompleteIntake();

        await node.Completion.WaitAsync(Patience); // completed, not failed
        Assert.Equal(0, node.Metrics.Acknowledged); // the broker keeps them all
        hold.Rollback();
    }

    [Fact]
    public async Task Should_not_acknowledge_a_reading_whose_sensor_did_not_answer_so_that_the_broker_delivers_it_again()
    {
        var refused = 0;
        var sensors = new ScriptedSensorFleet(readings =>
            readings.Any(r => r.Sequence == 300) && Interlocked.Exchange(ref refused, 1) == 0
                ? Task.FromException<IReadOnlyList<Verdict>>(new Akka.Actor.AskTimeoutException("sensor esp32-01 did not answer in time"))
                : Task.FromResult<IReadOnlyList<Verdict>>([]));
        var first = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, Store, sensors: sensors);
        await Eventually.HoldsAsync(() => first.IsConnected, Patience, () => "node did not connect");

        await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 1000, default);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => first.Completion.WaitAsync(Patience));
        Assert.IsType<Akka.Actor.AskTimeoutException>(failure.GetBaseException());
        var acknowledged = first.Metrics.Acknowledged;
        Assert.InRange(acknowledged, 1, 299); // nothing from the failed reading on (its batch-mates may wait too)
        await first.DisposeAsync();

        // Waited for by what is stored: the first node counts an acknowledgement before its PUBACK leaves, so the broker
        // may deliver again a few readings the count above holds, and an acknowledgement count would be reached early.
        await using var restarted = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, Store, sensors: sensors);
        await Eventually.HoldsAsync(() => restarted.Count("readings") == 1000, Patience,
            () => $"{restarted.Count("readings")} readings stored, {restarted.Metrics.Acknowledged} acknowledged after the restart");
        await Eventually.HoldsAsync(() => restarted.Metrics.Acknowledged >= 1000 - acknowledged, Patience, // delivered again, acknowledged now
            () => $"acknowledged {restarted.Metrics.Acknowledged} after the restart, {acknowledged} before");
    }

    [Fact]
    public async Task Should_let_slow_sensors_slow_the_broker_with_bounded_work_in_flight_and_lose_nothing()
    {
        // Every reading makes a verdict; the sensors take 50 ms per batch (journalling their alarms, say) — far slower
        // than the publisher.
        var store = Store with { BatchSize = 16 };
        var mqtt = new MqttOptions { CertsDirectory = _pki.CertsDirectory, MaxInFlight = 50, ReconnectMinDelay = TimeSpan.FromMilliseconds(200) };
        // Intake; the store's batch and transaction; Parallelism batches at the sensors; the verdicts' batch and transaction.
        var bound = mqtt.MaxInFlight + ((4 + new IngestOptions().Parallelism) * store.BatchSize);
        var sensors = new ScriptedSensorFleet(async readings =>
        {
            await Task.Delay(50);
            return readings.Select(r => new Verdict(r.SensorId, r.Sequence, r.Sequence, r.TimestampMs, r.TimestampMs, 0.1f, [0.1f], ["flow"], 1f, false, "spec", [0f])).ToList();
        });

        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, store, mqtt, sensors);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect");

        await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 1500, default);

        await Eventually.HoldsAsync(() => node.Metrics.Acknowledged >= 1500, Patience, () => $"acknowledged {node.Metrics.Acknowledged}");
        Assert.Equal(1500, node.Count("readings"));
        Assert.Equal(1500, node.Count("verdicts"));
        Assert.InRange(node.Metrics.MaxInFlight, 1, bound);
    }

    [Fact]
    public async Task Should_reconnect_after_a_broker_restart_and_lose_nothing()
    {
        await using var node = IngestHarness.Start(_mosquitto.Endpoint, _pki.CertsDirectory, Store);
        await Eventually.HoldsAsync(() => node.IsConnected, Patience, () => "node did not connect");
        using var publishing = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var publisher = new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1);
        var publish = Task.Run(() => publisher.PublishAsync(1, 4000, publishing.Token));

        await Eventually.HoldsAsync(() => node.Metrics.Stored >= 500, Patience, () => $"stored {node.Metrics.Stored}");
        await _mosquitto.StopAsync();
        await Eventually.HoldsAsync(() => !node.IsConnected, Patience, () => "the node did not notice the broker going");
        _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"), _mosquitto.Endpoint.Port);
        await publish;

        await Eventually.HoldsAsync(() => node.Count("readings") >= 4000, Patience,
            () => $"stored {node.Count("readings")} of 4000; connected {node.IsConnected}\n{_mosquitto.Log}");
        Assert.Equal(4000, node.Count("readings"));
        Assert.Contains(node.Logger.At(Microsoft.Extensions.Logging.LogLevel.Warning), m => m.Contains("Lost the connection", StringComparison.Ordinal));
    }

    public async Task DisposeAsync() => await _mosquitto.DisposeAsync();

    public void Dispose() => _pki.Dispose();
}
