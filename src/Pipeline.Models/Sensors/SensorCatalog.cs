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

    private readonly ConcurrentDictionary<string, (SensorRegistration Registration, SensorSettings Settings)> _registered = new(StringComparer.Ordinal);

    public SensorSettings Defaults { get; set; } = new();

    public Dictionary<string, SensorSettings> Sensors { get; set; } = new(StringComparer.Ordinal);

    public SensorSettings For(string sensorId) =>
        Sensors.TryGetValue(sensorId, out var configured) ? configured
        : _registered.TryGetValue(sensorId, out var registered) ? registered.Settings
        : Defaults;

    /// <summary>What is wrong with the configured settings: the defaults', and each configured sensor's (and its id).</summary>
    public IEnumerable<string> Problems() =>
        Defaults.Problems(DefaultsSection).Concat(Sensors.SelectMany(s =>
            (Security.IdentityName.Validate(s.Key) is { } error ? [$"{SensorsSection}:{s.Key}: {error}"] : Enumerable.Empty<string>())
                .Concat(s.Value.Problems($"{SensorsSection}:{s.Key}"))));

    /// <summary>
    /// Adds a registration, or replaces one whose names or limits changed (<c>pipeline sensors add</c> again on a
    /// running node): the sensor's actor takes the new settings with its next readings.
    /// </summary>
    public RegistrationChange Register(SensorRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (_registered.TryGetValue(registration.SensorId, out var known))
        {
            if (known.Registration.SameSettings(registration))
            {
                return RegistrationChange.Unchanged;
            }

            _registered[registration.SensorId] = (registration, registration.ApplyTo(Defaults));
            return RegistrationChange.Updated;
        }

        return _registered.TryAdd(registration.SensorId, (registration, registration.ApplyTo(Defaults))) ? RegistrationChange.Added : RegistrationChange.Unchanged;
    }
}

/// <summary>What <see cref="SensorCatalog.Register"/> did.</summary>
public enum RegistrationChange
{
    Unchanged,
    Added,
    Updated,
}
