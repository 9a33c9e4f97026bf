using Pipeline.Models.Settings;
using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>
/// Per-sensor settings (<c>Pipeline:Sensors:&lt;id&gt;</c>, falling back to <c>Pipeline:SensorDefaults</c>).
/// An authenticated sensor that is configured nowhere gets the defaults.
/// </summary>
public sealed class SensorSettings
{
    public string? DisplayName { get; set; }

    public string? Location { get; set; }

    /// <summary>How often the device publishes. Default 1 s.</summary>
    public TimeSpan SamplingPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A gap longer than this many sampling periods (or this many missing readings) restarts the window. Default 3.</summary>
    public double GapFactor { get; set; } = 3;

    /// <summary>
    /// How long a reading that came before a missing predecessor waits for it (<see cref="ReorderBuffer"/>): a broker's
    /// redelivery or a second node may bring the sensor's readings out of order. Default 2 s; zero takes each as it comes.
    /// </summary>
    public TimeSpan ReorderWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Most readings that wait for a missing predecessor (about 200 bytes each); past it the sensor goes on across the
    /// hole at once. Default 256. With several nodes, size it to the readings a sensor sends while a node restarts.
    /// </summary>
    public int ReorderCapacity { get; set; } = ReorderBuffer.DefaultCapacity;

    /// <summary>No reading for this long: the sensor is offline. Default 30 s.</summary>
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// This many identical values in a row: the signal is stuck. Default 30. More for a signal that repeats itself in its
    /// first readings (a coarse meter): three times its longest run then, at most ten times this (<see cref="HealthTracker"/>).
    /// </summary>
    public int StuckCount { get; set; } = 30;

    /// <summary>
    /// A signal pulsates (cavitation, see <see cref="PulsationWatch"/>) while its short-term roughness stays above this
    /// many times its usual one. Default 8; 0 turns the check off.
    /// </summary>
    public double PulsationFactor { get; set; } = 8;

    /// <summary>How many readings (after the first 32) teach a signal its usual roughness. Default 300.</summary>
    public int PulsationBaseline { get; set; } = 300;

    /// <summary>
    /// The bundle (a folder name in <c>Pipeline:Models:Directory</c>) this sensor is pinned to; null, the default: the
    /// active model (<c>models/ACTIVE</c>), which <c>pipeline model activate</c> switches.
    /// </summary>
    public string? Model { get; set; }

    /// <summary>Hard limits per signal (process limits, not physical ones): outside them the sensor is out of range.</summary>
    public Dictionary<string, SignalBounds> Limits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What is wrong with these settings, each problem naming its key under <paramref name="key"/>.</summary>
    public IEnumerable<string> Problems(string key) =>
        SettingRules.Positive($"{key}:SamplingPeriod", SamplingPeriod)
            .Concat(SettingRules.Positive($"{key}:OfflineAfter", OfflineAfter))
            .Concat(SettingRules.When(ReorderWait < TimeSpan.Zero || ReorderWait > TimeSpan.FromMinutes(1), $"{key}:ReorderWait is {ReorderWait}; it must be between 00:00:00 (off) and 00:01:00"))
            .Concat(SettingRules.Range($"{key}:ReorderCapacity", ReorderCapacity, 1, 100_000))
            .Concat(SettingRules.Range($"{key}:StuckCount", StuckCount, 2, 1_000_000))
            .Concat(SettingRules.Range($"{key}:PulsationBaseline", PulsationBaseline, 1, 1_000_000))
            .Concat(SettingRules.When(PulsationFactor != 0 && !(PulsationFactor >= 2), $"{key}:PulsationFactor is {PulsationFactor}; it must be 0 (off) or at least 2"))
            .Concat(SettingRules.When(GapFactor < 1, $"{key}:GapFactor is {GapFactor}; it must be at least 1"))
            .Concat(Limits.SelectMany(l => SettingRules.When(!(l.Value.Min < l.Value.Max), $"{key}:Limits:{l.Key}: Min ({l.Value.Min}) must be below Max ({l.Value.Max})")))
            .Concat(new[] { SensorRegistration.LabelProblem($"{key}:DisplayName", DisplayName), SensorRegistration.LabelProblem($"{key}:Location", Location) }.OfType<string>());

    public SensorSettings Copy() => new()
    {
        DisplayName = DisplayName,
        Location = Location,
        SamplingPeriod = SamplingPeriod,
        GapFactor = GapFactor,
        ReorderWait = ReorderWait,
        ReorderCapacity = ReorderCapacity,
        OfflineAfter = OfflineAfter,
        StuckCount = StuckCount,
        PulsationFactor = PulsationFactor,
        PulsationBaseline = PulsationBaseline,
        Model = Model,
        Limits = new Dictionary<string, SignalBounds>(Limits, StringComparer.Ordinal),
    };
}
