using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Streams.Storing;

/// <summary>
/// Deletes readings, verdicts and rejects older than <see cref="StoreOptions.Retention"/>, in the background. A verdict
/// goes with the readings of its window: one per reading, it is the larger row, and kept for ever it filled the disk.
/// </summary>
public sealed class RetentionService(IReadingStore readings, IVerdictStore verdicts, IOptions<StoreOptions> options, TimeProvider time, ILogger<RetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Retention <= TimeSpan.Zero)
        {
            logger.LogInformation("Retention is off: readings and verdicts are kept forever");
            return;
        }

        using var timer = new PeriodicTimer(settings.RetentionInterval, time);
        do
        {
            var cutoff = time.GetUtcNow() - settings.Retention;
            try
            {
                var deleted = await readings.DeleteOlderThanAsync(cutoff, stoppingToken).ConfigureAwait(false)
                    + await verdicts.DeleteOlderThanAsync(cutoff, stoppingToken).ConfigureAwait(false);
                if (deleted > 0)
                {
                    logger.LogInformation("Retention deleted {Deleted} rows older than {Cutoff:u}", deleted, cutoff);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Retention could not delete rows older than {Cutoff:u}; it tries again in {Interval}", cutoff, settings.RetentionInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
