using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Ingesting;

/// <summary>Whether the node can hear its sensors, as its sensors' offline checks ask it.</summary>
public sealed class NodeHearingWatchSpecs
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TestLogger<NodeHearingWatch> _log = new();
    private readonly ManualClock _clock = new(T0);
    private string? _deaf = "the node is not connected to the broker";

    [Fact]
    public void Should_not_hear_before_its_first_connection_and_say_nothing_about_it()
    {
        var watch = new NodeHearingWatch(() => _deaf, _log, _clock);

        watch.Look();

        Assert.Null(watch.HearingSince);
        Assert.Empty(_log.Entries);
    }

    [Fact]
    public void Should_hear_from_the_look_that_found_it_hearing_and_not_through_a_stall()
    {
        var watch = new NodeHearingWatch(() => _deaf, _log, _clock);
        watch.Look();
        _deaf = null;
        LookAt(watch, T0.AddSeconds(1));
        LookAt(watch, T0.AddSeconds(2));
        Assert.Equal(T0.AddSeconds(1), watch.HearingSince); // without a break since

        _deaf = "the store postgres://db:5432/pipeline cannot take writes";
        LookAt(watch, T0.AddSeconds(3));
        LookAt(watch, T0.AddSeconds(4));
        Assert.Null(watch.HearingSince);

        _deaf = null;
        LookAt(watch, T0.AddSeconds(50));

        Assert.Equal(T0.AddSeconds(50), watch.HearingSince); // a new start: each sensor's whole OfflineAfter from here

        Assert.Equal(["No sensor is taken for offline while the store postgres://db:5432/pipeline cannot take writes: their silence says nothing about them then"],
            _log.At(LogLevel.Warning));
        Assert.Equal(["The node hears its sensors again: each has its OfflineAfter from now to be heard"], _log.At(LogLevel.Information));
    }

    [Fact]
    public void Should_not_hear_through_a_time_the_process_did_not_run_and_start_over_at_the_next_look()
    {
        // A node frozen (SIGSTOP) until the cluster removed it, then woken: before, the sensors' silence checks that ran
        // first raised an offline alarm for each of its sensors, on the shared store and the SCADA screen.
        var watch = new NodeHearingWatch(() => null, _log, _clock);
        watch.Look();
        LookAt(watch, T0.AddSeconds(1));
        LookAt(watch, T0.AddSeconds(4)); // three seconds late (a GC pause, a busy core): still heard without a break
        Assert.Equal(T0, watch.HearingSince);

        _clock.Advance(TimeSpan.FromSeconds(40)); // frozen: no look

        Assert.Null(watch.HearingSince); // a sensor asking on waking, before the watch's next look
        watch.Look();
        Assert.Equal(T0.AddSeconds(44), watch.HearingSince);
        Assert.Equal(["The node did not run for 00:00:40 (frozen, its VM paused or starved): it heard nothing then, so each sensor has its OfflineAfter from now to be heard"],
            _log.At(LogLevel.Warning));
    }

    [Fact]
    public async Task Should_not_hear_while_another_connection_holds_the_sqlite_store_locked()
    {
        using var folder = new TempDirectory();
        var options = new StoreOptions { Path = folder.Combine("pipeline.db"), BusyTimeout = TimeSpan.FromMilliseconds(200) };
        using var store = PipelineStore.Open(options);
        using var other = new SqliteConnection($"Data Source={options.Path};Pooling=False");
        other.Open();
        var hold = other.BeginTransaction(deferred: false);

        var write = store.Readings.WriteAsync([Telemetry.Reading("s", 1)], [], DateTimeOffset.UtcNow, default);
        await Eventually.HoldsAsync(() => store.LockedSince is not null, TimeSpan.FromSeconds(10), () => "the write never met the lock");
        var whileLocked = NodeHearingWatch.WhyDeaf(new NodeMqttLink(), store);
        hold.Commit();
        hold.Dispose();
        await write.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal($"the store {options.Path} is locked by another connection", whileLocked); // before: null, the node took itself for hearing
    }

    [Fact]
    public void Should_take_a_node_with_its_intake_full_of_old_readings_for_behind_its_broker_until_it_has_caught_up()
    {
        // 230 of 1,000 sensors were taken for offline while their readings waited in the broker's backlog for the node
        // (the store locked for 60 s, the broker restarted meanwhile).
        var backlog = new BacklogWatch(maxInFlight: 1000);
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        long SentAgo(double seconds) => now.AddSeconds(-seconds).ToUnixTimeMilliseconds();

        Assert.Null(backlog.Look(inFlight: 1000, SentAgo(2), now)); // at full speed and keeping up
        Assert.Null(backlog.Look(inFlight: 3, SentAgo(60), now)); // a fleet whose clocks are behind the node's
        Assert.Null(backlog.Look(inFlight: 1000, 0, now)); // nothing stored yet

        Assert.Contains("behind its broker", backlog.Look(inFlight: 800, SentAgo(40), now), StringComparison.Ordinal);
        Assert.NotNull(backlog.Look(inFlight: 300, SentAgo(8), now)); // catching up: a batch acknowledged, still late
        Assert.Null(backlog.Look(inFlight: 300, SentAgo(4), now)); // caught up
        Assert.NotNull(backlog.Look(inFlight: 1000, SentAgo(11), now));
        Assert.Null(backlog.Look(inFlight: 200, SentAgo(30), now)); // little more to take: the fleet fell silent
    }

    private void LookAt(NodeHearingWatch watch, DateTimeOffset at)
    {
        _clock.Advance(at - _clock.Now);
        watch.Look();
    }
}
