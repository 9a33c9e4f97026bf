using Pipeline.Models.Settings;

namespace Pipeline.Models.Telemetry;

/// <summary>
/// What the codec accepts (<c>Pipeline:Telemetry</c>). Physical bounds catch sensor garbage, not process limits:
/// a per-sensor hard limit is a different, configurable thing.
/// </summary>
public sealed class TelemetryLimits : ISettingsGroup
{
    /// <summary>Largest payload, bytes. Default 4096 (a reading is ~120).</summary>
    public int MaxPayloadBytes { get; set; } = 4096;

    /// <summary>How far a timestamp may be ahead of the node's clock. Default 5 minutes.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a reading may be when it arrives (queued in the broker during an outage). Default 7 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Largest number of signals in one reading. Default 32.</summary>
    public int MaxSignals { get; set; } = 32;

    /// <summary>Physically possible range per signal; signals not listed must be finite and within ±1e9.</summary>
    public Dictionary<string, SignalBounds> Bounds { get; set; } = new(StringComparer.Ordinal)
    {
        [Signals.Flow] = new(-1_000, 100_000),
        [Signals.Temperature] = new(-60, 250),
        [Signals.Pressure] = new(-1.1, 1_000),
        [Signals.Current] = new(-10, 2_000),
    };

    public static readonly SignalBounds DefaultBounds = new(-1e9, 1e9);

    public IEnumerable<string> Problems(string section) =>
        SettingRules.Range($"{section}:MaxPayloadBytes", MaxPayloadBytes, 64, 65_536)
            .Concat(SettingRules.Range($"{section}:MaxSignals", MaxSignals, 1, 256))
            .Concat(SettingRules.Positive($"{section}:MaxClockSkew", MaxClockSkew))
            .Concat(SettingRules.Positive($"{section}:MaxAge", MaxAge))
            .Concat(Bounds.SelectMany(b => SettingRules.When(!(b.Value.Min < b.Value.Max),
                $"{section}:Bounds:{b.Key}: Min ({b.Value.Min}) must be below Max ({b.Value.Max})")));
}

/// <summary>An inclusive range of values a signal can physically take.</summary>
public sealed class SignalBounds
{
    public SignalBounds()
    {
    }

    public SignalBounds(double min, double max)
    {
        Min = min;
        Max = max;
    }

    public double Min { get; set; } = double.MinValue;

    public double Max { get; set; } = double.MaxValue;

    public bool Contains(double value) => value >= Min && value <= Max;
}
