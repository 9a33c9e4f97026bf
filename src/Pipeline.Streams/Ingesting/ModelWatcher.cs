using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Inference;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// Model hot swap: every few seconds, looks at which bundle is active (<c>models/ACTIVE</c>, written by
/// <c>pipeline model activate</c>, else <c>Pipeline:Models:Active</c>) and whether its model.json changed. A new or
/// changed bundle is loaded and checked; a bad one is refused with the reason and the running model keeps scoring. A
/// good one becomes the catalog's active model: each sensor switches at its next reading, to a window of the new
/// model's shape if it differs, and learns again unless it has a calibration of it.
/// </summary>
public sealed class ModelWatcher(IOptions<InferenceOptions> options, ModelCatalog catalog, ILogger<ModelWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var name = settings.ActiveModelName();
        var current = (Name: name, Stamp: Stamp(settings, name));
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            name = settings.ActiveModelName();
            var stamp = Stamp(settings, name);
            if (name == current.Name && stamp == current.Stamp)
            {
                continue;
            }

            current = (name, stamp); // report once per change, not every poll
            try
            {
                var bundle = ModelBundle.Load(Path.Combine(settings.Directory, name));
                var previous = catalog.Activate(bundle);
                var (was, now) = (previous.Manifest, bundle.Manifest);
                logger.LogInformation("Model switched from {Previous} ({PreviousWindow} x {PreviousSignals}) to {Current} ({Window} x {Signals}); each sensor follows at its next reading{Reshape}",
                    previous.Version, was.Window, was.Signals.Length, bundle.Version, now.Window, now.Signals.Length,
                    was.Window != now.Window || !was.Signals.SequenceEqual(now.Signals) ? ", with windows of the new shape" : string.Empty);
            }
            catch (Exception e) when (e is ModelBundleException or IOException or ArgumentException)
            {
                logger.LogError("Refused model '{Model}': {Reason}. Still scoring with {Current}", name, e.Message, catalog.Active.Version);
            }
        }
    }

    private static DateTime Stamp(InferenceOptions options, string name)
    {
        var manifest = Path.Combine(options.Directory, name, ModelBundle.ManifestFile);
        return File.Exists(manifest) ? File.GetLastWriteTimeUtc(manifest) : DateTime.MinValue;
    }
}
