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
/// changed while the node runs (<c>pipeline sensors add</c>), every 30 s.
/// </summary>
public sealed class SensorRegistrationService(
    ISensorDirectory sensorDirectory, SensorCatalog catalog, IRequiredActor<SensorRegion> sensors, ILogger<SensorRegistrationService> logger)
    : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var region = await sensors.GetAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            var started = 0;
            foreach (var registration in await sensorDirectory.RegisteredSensorsAsync(stoppingToken).ConfigureAwait(false))
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
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
