using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Models.Sensors;

namespace Pipeline.Streams.Storing;

/// <summary>
/// Keeps each sensor's latest status in memory (a report costs a dictionary write) and writes what changed to the
/// <c>sensors</c> table every couple of seconds, in one transaction, and once more on shutdown. A batch whose write
/// fails goes back to be written with the next one, unless a newer status of the same sensor came meanwhile.
/// <para>
/// Beside it, the node's own row in <c>nodes</c>: seen every <see cref="NodeBeat"/> while it runs, stopped on shutdown.
/// A sensor's status stays as written when its node stops or dies; <c>pipeline sensors list</c> says so when that node
/// stopped or has not been seen for <see cref="NodeSilentAfter"/>, so that an operator does not read a dead node's
/// last "ok" as a pump's health now. Its first beat forgets nodes gone for <see cref="ForgetNodesAfter"/>.
/// <paramref name="node"/> gives the node's address as its sensors name it (null until
/// the actor system is up: no beat then).
/// </para>
/// </summary>
public sealed class SensorStatusBoard(ISensorDirectory sensors, ILogger<SensorStatusBoard> logger, Func<string?>? node = null)
    : BackgroundService, ISensorStatusBoard
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    /// <summary>How often a running node records that it runs.</summary>
    public static readonly TimeSpan NodeBeat = TimeSpan.FromSeconds(10);

    /// <summary>How long a node may go unseen before its sensors' status is taken for what it last wrote: six beats missed (a store locked for a while, a slow disk).</summary>
    public static readonly TimeSpan NodeSilentAfter = NodeBeat * 6;

    /// <summary>How long the row of a node gone, and named by no sensor, is kept.</summary>
    public static readonly TimeSpan ForgetNodesAfter = TimeSpan.FromDays(7);

    private DateTimeOffset _lastBeat = DateTimeOffset.MinValue;

    private ConcurrentDictionary<string, SensorStatus> _dirty = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SensorStatus> _latest = new(StringComparer.Ordinal);
    private int _failures;

    /// <summary>The last status each sensor on this node reported (for the node's metrics).</summary>
    public IReadOnlyDictionary<string, SensorStatus> Latest => _latest;

    public void Report(SensorStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        _dirty[status.SensorId] = status;
        _latest[status.SensorId] = status;
    }

    public async Task FlushAsync(CancellationToken cancellation)
    {
        var batch = Interlocked.Exchange(ref _dirty, new ConcurrentDictionary<string, SensorStatus>(StringComparer.Ordinal));
        if (batch.IsEmpty)
        {
            return;
        }

        try
        {
            await sensors.UpsertSensorStatusAsync(batch.Values.ToList(), cancellation).ConfigureAwait(false);
        }
        catch
        {
            foreach (var (sensor, status) in batch)
            {
                _dirty.TryAdd(sensor, status); // a newer report wins
            }

            throw;
        }
    }

    /// <summary>Records the node in <c>nodes</c>: running, or stopped. Nothing before the node knows its address.</summary>
    public async Task RecordNodeAsync(bool stopped, CancellationToken cancellation)
    {
        if (node?.Invoke() is not { } address)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        await sensors.RecordNodeAsync(address, now, stopped, cancellation).ConfigureAwait(false);
        if (_lastBeat == DateTimeOffset.MinValue)
        {
            // Once a run, not in every beat's transaction: it reads the whole sensors table.
            await sensors.ForgetNodesAsync(now - ForgetNodesAfter, cancellation).ConfigureAwait(false);
        }

        _lastBeat = now;
    }

    /// <summary>The longest the last write on shutdown may wait for a store that takes no writes (locked, failing).</summary>
    public static readonly TimeSpan LastFlushTimeout = TimeSpan.FromSeconds(5);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Bounded: the store's writes wait out a lock or a failing disk, and unbounded this write held the node's stop
        // until systemd killed it (a locked store: still running 2 minutes after SIGTERM).
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(LastFlushTimeout);
        try
        {
            await FlushAsync(bounded.Token).ConfigureAwait(false);
            await RecordNodeAsync(stopped: true, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogWarning(e is OperationCanceledException ? null : e,
                "Could not write the last sensor status on shutdown{Why}; it is rebuilt from the sensors' next readings",
                e is OperationCanceledException ? $": the store took no writes within {LastFlushTimeout.TotalSeconds:0} s" : string.Empty);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
                if (DateTimeOffset.UtcNow - _lastBeat >= NodeBeat)
                {
                    await RecordNodeAsync(stopped: false, stoppingToken).ConfigureAwait(false);
                }

                if (_failures > 0)
                {
                    logger.LogInformation("Sensor status written again after {Failures} failed attempt(s)", _failures);
                    _failures = 0;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (_failures++ == 0)
                {
                    logger.LogWarning(e, "Could not write sensor status; kept, and retried every {Interval}", FlushInterval);
                }
            }
        }
    }
}
