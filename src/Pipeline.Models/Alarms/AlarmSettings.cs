using Pipeline.Models.Settings;

namespace Pipeline.Models.Alarms;

/// <summary>The alarm rules (<c>Pipeline:Alarms</c>).</summary>
public sealed class AlarmSettings : ISettingsGroup
{
    /// <summary>
    /// On-delay: raise when at least this many of the last <see cref="OnDelayWindows"/> windows are anomalous. Default
    /// 10 of 10: ten seconds at 1 Hz. The trade (docs/alarms.md): on SKAB's valve1, 3 of 5 gives F1 0.797 at FAR 11.9 %,
    /// 10 of 10 F1 0.782 at FAR 8.0 % — fewer false alarms for an operator, a few seconds later.
    /// </summary>
    public int OnDelayAnomalous { get; set; } = 10;

    /// <summary>On-delay: how many recent windows are looked at. Default 10.</summary>
    public int OnDelayWindows { get; set; } = 10;

    /// <summary>Off-delay: clear only after this many windows in a row below the clear threshold. Default 10.</summary>
    public int ClearWindows { get; set; } = 10;

    /// <summary>An anomaly clears below this fraction of the threshold (hysteresis). Default 0.75.</summary>
    public double ClearFraction { get; set; } = 0.75;

    /// <summary>
    /// A level shift (<see cref="Detection.LevelShiftWatch"/>; sensors of a model of one operating point) raises the
    /// anomaly alarm at once; unless the model's own on-delay is met within this many windows, the alarm clears again
    /// ("not confirmed by the model"). 0 turns the fast path off. Default 100, chosen on SKAB's valve1 by
    /// cross-validation (docs/models.md).
    /// </summary>
    public int ShiftConfirmWindows { get; set; } = 100;

    /// <summary>Severity: medium from this many times the threshold, high from <see cref="HighRatio"/>. Default 2.</summary>
    public double MediumRatio { get; set; } = 2;

    /// <summary>Default 4.</summary>
    public double HighRatio { get; set; } = 4;

    /// <summary>This many raise/clear cycles within <see cref="ChatterPeriod"/> is chattering. Default 3.</summary>
    public int ChatterCycles { get; set; } = 3;

    /// <summary>Default 1 minute.</summary>
    public TimeSpan ChatterPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many of its newest verdicts a restarted sensor reads back so its on-delay and off-delay go on where they
    /// stopped (an off-delay longer than 1,000 windows starts counting again after a restart).
    /// </summary>
    public int RememberedWindows => Math.Max(OnDelayWindows, Math.Min(ClearWindows, 1000));

    public IEnumerable<string> Problems(string section) =>
        SettingRules.Range($"{section}:OnDelayWindows", OnDelayWindows, 1, 1000)
            .Concat(SettingRules.Range($"{section}:OnDelayAnomalous", OnDelayAnomalous, 1, OnDelayWindows))
            .Concat(SettingRules.Range($"{section}:ClearWindows", ClearWindows, 1, 100_000))
            .Concat(SettingRules.Range($"{section}:ShiftConfirmWindows", ShiftConfirmWindows, 0, 100_000))
            .Concat(SettingRules.Range($"{section}:ChatterCycles", ChatterCycles, 2, 1000))
            .Concat(SettingRules.Positive($"{section}:ChatterPeriod", ChatterPeriod))
            .Concat(SettingRules.When(ClearFraction is <= 0 or > 1, $"{section}:ClearFraction is {ClearFraction}; it must be in (0, 1]"))
            .Concat(SettingRules.When(!(MediumRatio >= 1 && HighRatio >= MediumRatio),
                $"{section}: MediumRatio ({MediumRatio}) must be at least 1 and HighRatio ({HighRatio}) at least MediumRatio"));
}
