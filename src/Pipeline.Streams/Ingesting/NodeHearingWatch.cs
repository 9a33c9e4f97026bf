using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Models.Sensors;
using Pipeline.Streams.Publishing;
using Pipeline.Streams.Storing;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// Looks once a second, and at every connection to the broker, whether the node can hear its sensors
/// (<see cref="INodeHearing"/>): its broker session up and its store taking writes. Says once when it cannot and once
/// when it can again; the cause itself is the broker's or the store's to report, and is.
/// </summary>
/// <param name="whyDeaf">Why the node cannot hear now, or null when it can.</param>
public sealed class NodeHearingWatch(Func<string?> whyDeaf, ILogger<NodeHearingWatch> logger, TimeSpan? interval = null) : BackgroundService, INodeHearing
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new(); // the service's looks and the connection's
    private long _hearingSince; // UTC ticks; 0 while the node cannot hear
    private bool _heardOnce; // before the first connection the node is not yet hearing, which needs no word

    /// <summary>
    /// The node's own: the broker session from <paramref name="link"/>, the store's stalls from <paramref name="store"/>.
    /// A (re)connection is looked at when it happens: a session lost again within the second would otherwise never have
    /// been heard, and its loss would go unsaid.
    /// </summary>
    public NodeHearingWatch(NodeMqttLink link, PipelineStore store, ILogger<NodeHearingWatch> logger)
        : this(() => WhyDeaf(link, store), logger)
    {
        ArgumentNullException.ThrowIfNull(link);
        link.Connected += () => Look(DateTimeOffset.UtcNow);
    }

    public DateTimeOffset? HearingSince => Interlocked.Read(ref _hearingSince) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Takes one look now (the service does, every second, and at every connection).</summary>
    public void Look(DateTimeOffset now)
    {
        lock (_gate)
        {
            LookLocked(now);
        }
    }

    private void LookLocked(DateTimeOffset now)
    {
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
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        do
        {
            Look(DateTimeOffset.UtcNow);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static string? WhyDeaf(NodeMqttLink link, PipelineStore store) =>
        store.FullSince is not null ? $"the disk holding {store.Description} is full"
        : store.GoneSince is not null ? $"the store {store.Description} is deleted or moved away"
        : store.Unreachable is not null ? $"the store {store.Description} cannot take writes"
        : link.Current is not { IsConnected: true } ? "the node is not connected to the broker"
        : null;
}
