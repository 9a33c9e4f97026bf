using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Streams.Storing;

/// <summary>Deletes readings and rejects older than <see cref="StoreOptions.Retention"/>, in the background.</summary>
public sealed class RetentionService(IReadingStore readings, IOptions<StoreOptions> options, TimeProvider time, ILogger<RetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Retention <= TimeSpan.Zero)
        {
            logger.LogInformation("Retention is off: readings are kept forever");
            return;
        }

        using var timer = new PeriodicTimer(settings.RetentionInterval, time);
        do
        {
            var cutoff = time.GetUtcNow() - settings.Retention;
            try
            {
                var deleted = await readings.DeleteOlderThanAsync(cutoff, stoppingToken).ConfigureAwait(false);
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
