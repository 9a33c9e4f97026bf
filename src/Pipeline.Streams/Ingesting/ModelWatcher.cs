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
public sealed class ModelWatcher(IOptions<InferenceOptions> options, ModelCatalog catalog, ILogger<ModelWatcher> logger, TimeSpan? interval = null) : BackgroundService
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(5);
    private string? _unreadable; // why ACTIVE could not be read at the last look, as said

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var current = TryLook(settings);
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (TryLook(settings) is not { } now || now == current)
            {
                continue;
            }

            current = now; // report once per change, not every poll
            Switch(settings, now.Name);
        }
    }

    /// <summary>
    /// Which bundle ACTIVE names and when its model.json changed; null while ACTIVE cannot be read. That stopped the whole
    /// node (written by root with a umask of 077, replaced by something not a file): it keeps scoring with what it has,
    /// and says so once, and once more when ACTIVE can be read again.
    /// </summary>
    private (string Name, DateTime Stamp)? TryLook(InferenceOptions settings)
    {
        var active = Path.Combine(settings.Directory, InferenceOptions.ActiveFile);
        try
        {
            var look = Look(settings);
            if (_unreadable is not null)
            {
                logger.LogInformation("{Active} can be read again", active);
                _unreadable = null;
            }

            return look;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e.GetType().Name + e.Message;
            if (why != _unreadable)
            {
                _unreadable = why;
                logger.LogError("Cannot read {Active}: {Reason}. Still scoring with {Current}; make the file readable by the node, or write it again with 'pipeline model activate NAME'",
                    active, e.Message, catalog.Active.Version);
            }

            return null;
        }
    }

    private static (string Name, DateTime Stamp) Look(InferenceOptions settings)
    {
        var name = settings.ActiveModelName();
        return (name, Stamp(settings, name));
    }

    private void Switch(InferenceOptions settings, string name)
    {
        try
        {
            var bundle = ModelBundle.Load(Path.Combine(settings.Directory, name));
            var previous = catalog.Activate(bundle);
            var (was, now) = (previous.Manifest, bundle.Manifest);
            logger.LogInformation("Model switched from {Previous} ({PreviousWindow} x {PreviousSignals}) to {Current} ({Window} x {Signals}); each sensor follows at its next reading{Reshape}",
                previous.Version, was.Window, was.Signals.Length, bundle.Version, now.Window, now.Signals.Length,
                was.Window != now.Window || !was.Signals.SequenceEqual(now.Signals) ? ", with windows of the new shape" : string.Empty);
        }
        catch (Exception e) when (e is ModelBundleException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            logger.LogError("Refused model '{Model}': {Reason}. Still scoring with {Current}", name, e.Message, catalog.Active.Version);
        }
    }

    private static DateTime Stamp(InferenceOptions options, string name)
    {
        var manifest = Path.Combine(options.Directory, name, ModelBundle.ManifestFile);
        return File.Exists(manifest) ? File.GetLastWriteTimeUtc(manifest) : DateTime.MinValue;
    }
}
