using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Streams.Storing;

/// <summary>
/// Deletes readings, verdicts and rejects older than <see cref="StoreOptions.Retention"/>, in the background. A verdict
/// goes with the readings of its window: one per reading, it is the larger row, and kept for ever it filled the disk.
/// <para>
/// Age counts back from the node's clock, or from the newest stored reading when the clock is ahead of it
/// (<see cref="Cutoff"/>): a clock set years ahead (a bad time source, a hand-set date) must not delete the whole store.
/// A device's reading is stored only within <c>MaxClockSkew</c> of the node's clock, so the newest reading stays where
/// the time was before the jump.
/// </para>
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
        var clockAheadReported = false;
        do
        {
            try
            {
                var now = time.GetUtcNow();
                var newest = await readings.NewestMeasuredAtAsync(stoppingToken).ConfigureAwait(false);
                var cutoff = Cutoff(now, newest, settings.Retention);
                var clockAhead = newest is { } reading && now - reading > settings.Retention;
                if (clockAhead && !clockAheadReported)
                {
                    logger.LogWarning(
                        "The node's clock ({Now:u}) is {Gap:%d} days ahead of the newest stored reading ({Newest:u}): retention counts age from that reading and keeps {Retention:%d} days before it. "
                        + "Either no device has sent a reading since, or the clock jumped ahead (check the node's time source)",
                        now, now - newest, newest, settings.Retention);
                }

                clockAheadReported = clockAhead;

                var deleted = await readings.DeleteOlderThanAsync(cutoff, now, stoppingToken).ConfigureAwait(false)
                    + await verdicts.DeleteOlderThanAsync(cutoff, now, stoppingToken).ConfigureAwait(false);
                if (deleted > 0)
                {
                    logger.LogInformation("Retention deleted {Deleted} rows older than {Cutoff:u}", deleted, cutoff);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Retention could not delete old rows; it tries again in {Interval}", settings.RetentionInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Rows older than this go: <paramref name="retention"/> before the node's clock <paramref name="now"/>, or before the
    /// newest stored reading's time when that is earlier.
    /// </summary>
    public static DateTimeOffset Cutoff(DateTimeOffset now, DateTimeOffset? newestReading, TimeSpan retention) =>
        (newestReading is { } newest && newest < now ? newest : now) - retention;
}
