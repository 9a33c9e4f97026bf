using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Models.Sensors;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// Looks once a second, and at every connection to the broker, whether the node can hear its sensors
/// (<see cref="INodeHearing"/>): its broker session up and its store taking writes. Says once when it cannot and once
/// when it can again; the cause itself is the broker's or the store's to report, and is. A process that did not run —
/// frozen (SIGSTOP), its VM paused, starved by a swap storm — heard nothing either: a look that comes
/// <see cref="MissedLooks"/> late starts the hearing over, and until that look the sensors are told the node does not
/// hear. Before, the sensors' silence checks that ran first on waking raised an offline alarm for each sensor.
/// <para>
/// Nor does a node hear its sensors as they speak while it works far behind its broker — after a store stall or a
/// broker restart under a large fleet, the broker holding a backlog for it: its intake full and the newest reading it
/// stored sent more than <see cref="BehindAfter"/> ago. A sensor whose readings wait in that backlog falls silent to
/// the node for as long as it takes to reach them: 230 of 1,000 sensors were taken for offline in such a run. Both
/// conditions, because a fleet whose clocks are behind the node's looks late too, but a node that keeps up has little in
/// flight.
/// </para>
/// </summary>
/// <param name="whyDeaf">Why the node cannot hear now, or null when it can.</param>
public sealed class NodeHearingWatch(Func<string?> whyDeaf, ILogger<NodeHearingWatch> logger, TimeProvider time) : BackgroundService, INodeHearing
{
    /// <summary>
    /// How old the newest stored reading may be, with the intake full, before the node is taken to work behind its broker:
    /// a third of the sensors' default <c>OfflineAfter</c> (30 s), past the seconds a busy node's batches take.
    /// </summary>
    public static readonly TimeSpan BehindAfter = TimeSpan.FromSeconds(10);

    /// <summary>How long after the last look the node is taken not to have run: five looks missed, past any GC pause.</summary>
    public static readonly TimeSpan MissedLooks = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new(); // the service's looks and the connection's
    private long _hearingSince; // UTC ticks; 0 while the node cannot hear
    private long _lastLook; // UTC ticks of the last look; 0 before the first
    private bool _heardOnce; // before the first connection the node is not yet hearing, which needs no word

    /// <summary>
    /// The node's own: the broker session from <paramref name="link"/>, the store's stalls from <paramref name="store"/>,
    /// how far behind its broker it works from <paramref name="metrics"/> against its <paramref name="maxInFlight"/>.
    /// A (re)connection is looked at when it happens: a session lost again within the second would otherwise never have
    /// been heard, and its loss would go unsaid.
    /// </summary>
    public NodeHearingWatch(NodeMqttLink link, PipelineStore store, IngestMetrics metrics, int maxInFlight, TimeProvider time, ILogger<NodeHearingWatch> logger)
        : this(WhyDeaf(link, store, new BacklogWatch(maxInFlight), metrics, time), logger, time)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(link);
        link.Connected += Look;
    }

    public DateTimeOffset? HearingSince =>
        Interlocked.Read(ref _hearingSince) is var since and > 0 && !LooksMissed(time.GetUtcNow().UtcTicks) ? new DateTimeOffset(since, TimeSpan.Zero) : null;

    /// <summary>Takes one look now (the service does, every second, and at every connection).</summary>
    public void Look()
    {
        lock (_gate)
        {
            LookLocked(time.GetUtcNow());
        }
    }

    private bool LooksMissed(long nowTicks) => Interlocked.Read(ref _lastLook) is var last and > 0 && nowTicks - last > MissedLooks.Ticks;

    private void LookLocked(DateTimeOffset now)
    {
        var notRunSince = LooksMissed(now.UtcTicks) ? new DateTimeOffset(Interlocked.Read(ref _lastLook), TimeSpan.Zero) : (DateTimeOffset?)null;
        Interlocked.Exchange(ref _lastLook, now.UtcTicks);
        var deaf = whyDeaf();
        var hearing = Interlocked.Read(ref _hearingSince) > 0;
        if (deaf is null && !hearing)
        {
            Interlocked.Exchange(ref _hearingSince, now.UtcTicks);
            if (_heardOnce)
            {
                logger.LogInformation("The node hears its sensors again: each has its OfflineAfter from now to be heard");
            }

            _heardOnce = true;
        }
        else if (deaf is not null && hearing)
        {
            Interlocked.Exchange(ref _hearingSince, 0);
            logger.LogWarning("No sensor is taken for offline while {Reason}: their silence says nothing about them then", deaf);
        }
        else if (deaf is null && notRunSince is { } since)
        {
            Interlocked.Exchange(ref _hearingSince, now.UtcTicks);
            logger.LogWarning("The node did not run for {Paused} (frozen, its VM paused or starved): it heard nothing then, so each sensor has its OfflineAfter from now to be heard",
                now - since);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            Look();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static Func<string?> WhyDeaf(NodeMqttLink link, PipelineStore store, BacklogWatch backlog, IngestMetrics metrics, TimeProvider time) =>
        () => WhyDeaf(link, store) ?? backlog.Look(metrics.InFlight, metrics.NewestStampMs, time.GetUtcNow());

    /// <summary>Why the node cannot take readings in now — its store takes no writes, or its broker session is down — or null.</summary>
    public static string? WhyDeaf(NodeMqttLink link, PipelineStore store) =>
        store.NoWrites?.Why ?? (link.Current is not { IsConnected: true } ? "the node is not connected to the broker" : null);
}

/// <summary>
/// Whether the node works behind its broker (<see cref="NodeHearingWatch"/>): from when its intake is at least half full
/// and the newest reading it stored was sent more than <see cref="NodeHearingWatch.BehindAfter"/> ago, until that
/// reading is within half of it or less than a quarter of the intake is in flight. Apart, the two ends keep a node near
/// the edge from flapping between hearing and not with every batch acknowledged.
/// </summary>
internal sealed class BacklogWatch(int maxInFlight)
{
    private bool _behind;

    /// <summary>Why the node is behind now, or null.</summary>
    public string? Look(long inFlight, long newestStampMs, DateTimeOffset now)
    {
        var late = now - DateTimeOffset.FromUnixTimeMilliseconds(newestStampMs);
        _behind = newestStampMs > 0 && (_behind
            ? inFlight * 4 >= maxInFlight && late > NodeHearingWatch.BehindAfter / 2
            : inFlight * 2 >= maxInFlight && late > NodeHearingWatch.BehindAfter);
        return _behind
            ? $"the node works behind its broker (the newest reading it stored was sent {late.TotalSeconds:0} s ago, {inFlight} messages in flight)"
            : null;
    }
}
