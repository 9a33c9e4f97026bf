using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Models.Sensors;

namespace Pipeline.Streams.Storing;

/// <summary>
/// Keeps each sensor's latest status in memory (a report costs a dictionary write) and writes what changed to the
/// <c>sensors</c> table every couple of seconds, in one transaction, and once more on shutdown.
/// </summary>
public sealed class SensorStatusBoard(SqliteStore store, ILogger<SensorStatusBoard> logger) : BackgroundService, ISensorStatusBoard
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    private ConcurrentDictionary<string, SensorStatus> _dirty = new(StringComparer.Ordinal);

    public void Report(SensorStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        _dirty[status.SensorId] = status;
    }

    public async Task FlushAsync(CancellationToken cancellation)
    {
        var batch = Interlocked.Exchange(ref _dirty, new ConcurrentDictionary<string, SensorStatus>(StringComparer.Ordinal));
        if (!batch.IsEmpty)
        {
            await store.UpsertSensorStatusAsync(batch.Values.ToList(), cancellation).ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                logger.LogWarning(e, "Could not write sensor status; retrying in {Interval}", FlushInterval);
            }
        }
    }
}
