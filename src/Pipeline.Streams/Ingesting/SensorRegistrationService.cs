using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Sensors;
using Pipeline.Streams.Storing;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// Starts every registered sensor (so that one that never reports goes offline) and picks up sensors registered or
/// changed while the node runs (<c>pipeline sensors add</c>), every <paramref name="pollInterval"/> (30 s). A look that
/// fails (the store unreadable for a moment, its file gone) is logged and tried again at the next: an exception out of
/// a background service stops the whole node.
/// </summary>
public sealed class SensorRegistrationService(
    ISensorDirectory sensorDirectory, SensorCatalog catalog, IRequiredActor<SensorRegion> sensors, ILogger<SensorRegistrationService> logger,
    TimeSpan? pollInterval = null)
    : BackgroundService
{
    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(30);
    private readonly TimeSpan _pollInterval = pollInterval ?? DefaultPollInterval;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var region = await sensors.GetAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(_pollInterval);
        var failing = false;
        do
        {
            try
            {
                StartRegistered(region, await sensorDirectory.RegisteredSensorsAsync(stoppingToken).ConfigureAwait(false));
                if (failing)
                {
                    logger.LogInformation("The registered sensors could be read again");
                    failing = false;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (!failing)
                {
                    logger.LogWarning(e, "Could not read the registered sensors from the store; tried again every {Interval}", _pollInterval);
                    failing = true;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private void StartRegistered(IActorRef region, IReadOnlyList<SensorRegistration> registrations)
    {
        var started = 0;
        foreach (var registration in registrations)
        {
            switch (catalog.Register(registration))
            {
                case RegistrationChange.Added:
                    region.Tell(new WakeUp(registration.SensorId));
                    started++;
                    break;
                case RegistrationChange.Updated:
                    logger.LogInformation("Sensor {Sensor}'s registration changed; its new limits apply from its next reading", registration.SensorId);
                    break;
            }
        }

        if (started > 0)
        {
            logger.LogInformation("Started {Count} registered sensor(s); each goes offline if it does not report", started);
        }
    }
}
