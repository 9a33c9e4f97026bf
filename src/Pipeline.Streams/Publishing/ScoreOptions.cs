using Pipeline.Models.Settings;

namespace Pipeline.Streams.Publishing;

/// <summary>Score points for the dashboard on <c>pipeline/scores/&lt;sensor&gt;</c> (<c>Pipeline:Scores</c>).</summary>
public sealed record ScoreOptions : ISettingsGroup
{
    /// <summary>Publish them at all. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// At most one point per sensor per this much of the sensor's own time (by its readings' timestamps), so a 10 Hz
    /// fleet does not flood a laptop's browser; a point whose state differs from the last one sent (anomalous, learning,
    /// alarm) is always published. 0: every verdict. Default 1 s.
    /// </summary>
    public TimeSpan Every { get; init; } = TimeSpan.FromSeconds(1);

    public IEnumerable<string> Problems(string section) =>
        SettingRules.When(Every < TimeSpan.Zero, $"{section}:Every is {Every}; it must be 0 (every verdict) or more");
}
