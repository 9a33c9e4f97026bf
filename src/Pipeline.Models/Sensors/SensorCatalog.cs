using System.Collections.Concurrent;

namespace Pipeline.Models.Sensors;

/// <summary>
/// Settings per sensor: configured (<c>Pipeline:Sensors:&lt;id&gt;</c>) first, then registered
/// (<c>pipeline sensors add</c>), else the defaults (<c>Pipeline:SensorDefaults</c>) — so an authenticated sensor that
/// nobody configured still works.
/// </summary>
public sealed class SensorCatalog
{
    private readonly ConcurrentDictionary<string, SensorSettings> _registered = new(StringComparer.Ordinal);

    public SensorSettings Defaults { get; set; } = new();

    public Dictionary<string, SensorSettings> Sensors { get; set; } = new(StringComparer.Ordinal);

    public SensorSettings For(string sensorId) =>
        Sensors.TryGetValue(sensorId, out var configured) ? configured
        : _registered.TryGetValue(sensorId, out var registered) ? registered
        : Defaults;

    /// <summary>Adds a registration; returns false when it was known already.</summary>
    public bool Register(SensorRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return _registered.TryAdd(registration.SensorId, registration.ApplyTo(Defaults));
    }
}
