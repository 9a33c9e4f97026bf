using System.Collections.Concurrent;

namespace Pipeline.Models.Sensors;

/// <summary>
/// Settings per sensor: configured (<c>Pipeline:Sensors:&lt;id&gt;</c>) first, then registered
/// (<c>pipeline sensors add</c>), else the defaults (<c>Pipeline:SensorDefaults</c>) — so an authenticated sensor that
/// nobody configured still works.
/// </summary>
public sealed class SensorCatalog
{
    /// <summary>The sections the catalog is bound from.</summary>
    public const string DefaultsSection = "Pipeline:SensorDefaults";

    public const string SensorsSection = "Pipeline:Sensors";

    private readonly ConcurrentDictionary<string, SensorSettings> _registered = new(StringComparer.Ordinal);

    public SensorSettings Defaults { get; set; } = new();

    public Dictionary<string, SensorSettings> Sensors { get; set; } = new(StringComparer.Ordinal);

    public SensorSettings For(string sensorId) =>
        Sensors.TryGetValue(sensorId, out var configured) ? configured
        : _registered.TryGetValue(sensorId, out var registered) ? registered
        : Defaults;

    /// <summary>What is wrong with the configured settings: the defaults', and each configured sensor's (and its id).</summary>
    public IEnumerable<string> Problems() =>
        Defaults.Problems(DefaultsSection).Concat(Sensors.SelectMany(s =>
            (Security.IdentityName.Validate(s.Key) is { } error ? [$"{SensorsSection}:{s.Key}: {error}"] : Enumerable.Empty<string>())
                .Concat(s.Value.Problems($"{SensorsSection}:{s.Key}"))));

    /// <summary>Adds a registration; returns false when it was known already.</summary>
    public bool Register(SensorRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return _registered.TryAdd(registration.SensorId, registration.ApplyTo(Defaults));
    }
}
