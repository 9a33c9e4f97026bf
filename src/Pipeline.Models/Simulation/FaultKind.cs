namespace Pipeline.Models.Simulation;

/// <summary>Faults the simulator injects, with the signatures an engineer recognises (docs/simulator.md).</summary>
public enum FaultKind
{
    /// <summary>A leak downstream of the pressure sensor: line pressure drops, the pump delivers more flow.</summary>
    Leak,

    /// <summary>A blockage or closing valve: pressure up, flow down, motor current down (less hydraulic power).</summary>
    Blockage,

    /// <summary>Pump or bearing wear: motor current up and noisier; hydraulics unchanged.</summary>
    Bearing,

    /// <summary>Cavitation: pressure and flow pulsate and flow falls a little.</summary>
    Cavitation,

    /// <summary>Sensor fault: the pressure reading freezes at its last value.</summary>
    Stuck,

    /// <summary>Sensor fault: isolated large spikes on the pressure reading.</summary>
    Spike,

    /// <summary>Sensor fault: the pressure reading drifts away linearly.</summary>
    Drift,

    /// <summary>Sensor fault: the device stops reporting.</summary>
    Dropout,
}

/// <summary>A fault on one device from <paramref name="Start"/> for <paramref name="Duration"/> of simulated time.</summary>
public sealed record FaultSpec(FaultKind Kind, string Device, TimeSpan Start, TimeSpan Duration)
{
    public bool ActiveAt(TimeSpan t) => t >= Start && t < Start + Duration;

    /// <summary>The fault as it is written: <c>leak:esp32-03@120s+60s</c>.</summary>
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Device}@{FormatDuration(Start)}+{FormatDuration(Duration)}";

    /// <summary>A time in seconds, as <see cref="ParseDuration"/> reads it back.</summary>
    public static string FormatDuration(TimeSpan time) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.###}s");

    /// <summary>Parses <c>leak:esp32-03@120s+60s</c> (times in s, m or h).</summary>
    public static FaultSpec Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var plus = text.IndexOf('+', at + 1);
        if (colon < 1 || at < colon + 2 || plus < at + 2 || !Enum.TryParse<FaultKind>(text[..colon], ignoreCase: true, out var kind))
        {
            throw new FormatException(
                $"fault '{text}' is not KIND:DEVICE@START+DURATION (e.g. leak:esp32-03@120s+60s); kinds: {string.Join(", ", Enum.GetNames<FaultKind>().Select(n => n.ToLowerInvariant()))}");
        }

        return new FaultSpec(kind, text[(colon + 1)..at], ParseDuration(text[(at + 1)..plus], text), ParseDuration(text[(plus + 1)..], text));
    }

    /// <summary>Parses a time like <c>120s</c>, <c>2m</c>, <c>1.5h</c> (a bare number is seconds).</summary>
    public static TimeSpan ParseDuration(string value, string? whole = null)
    {
        var unit = value.Length > 0 ? value[^1] : ' ';
        var scale = unit switch { 's' => 1, 'm' => 60, 'h' => 3600, _ => 0 };
        var number = scale == 0 ? value : value[..^1];
        return double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0
            ? TimeSpan.FromSeconds(v * (scale == 0 ? 1 : scale))
            : throw new FormatException($"'{value}'{(whole is null ? string.Empty : $" in '{whole}'")} is not a time like 120s, 2m or 1h");
    }
}
