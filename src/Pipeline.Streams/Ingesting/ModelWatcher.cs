using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Inference;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// Model hot swap: every few seconds, looks at which bundle is active (<c>models/ACTIVE</c>, written by
/// <c>pipeline model activate</c>, else <c>Pipeline:Models:Active</c>) and whether its model.json changed. A new or
/// changed bundle is loaded and validated; a bad one is refused with the reason and the running model keeps scoring.
/// </summary>
public sealed class ModelWatcher(IOptions<InferenceOptions> options, ModelBundle startedWith, IRequiredActor<InferenceRegistryKey> inference, ILogger<ModelWatcher> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var actor = await inference.GetAsync(stoppingToken).ConfigureAwait(false);
        var settings = options.Value;
        var active = settings.ActiveModelName();
        var current = (Name: active, Stamp: Stamp(settings, active), Version: startedWith.Version);
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var name = settings.ActiveModelName();
            var stamp = Stamp(settings, name);
            if (name == current.Name && stamp == current.Stamp)
            {
                continue;
            }

            try
            {
                var bundle = ModelBundle.Load(Path.Combine(settings.Directory, name));
                var activated = await actor.Ask<ModelActivated>(new ActivateModel(bundle, Detectors.Create(bundle, settings.Backend)), TimeSpan.FromSeconds(30), stoppingToken)
                    .ConfigureAwait(false);
                current = (name, stamp, activated.Current);
            }
            catch (Exception e) when (e is ModelBundleException or IOException or ArgumentException)
            {
                logger.LogError("Refused model '{Model}': {Reason}. Still scoring with {Current}", name, e.Message, current.Version);
                current = (name, stamp, current.Version); // report once per change, not every poll
            }
        }
    }

    private static DateTime Stamp(InferenceOptions options, string name)
    {
        var manifest = Path.Combine(options.Directory, name, ModelBundle.ManifestFile);
        return File.Exists(manifest) ? File.GetLastWriteTimeUtc(manifest) : DateTime.MinValue;
    }
}
