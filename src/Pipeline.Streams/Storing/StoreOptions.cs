using Pipeline.Models.Settings;

namespace Pipeline.Streams.Storing;

/// <summary>The SQLite store (<c>Pipeline:Store</c>).</summary>
public sealed record StoreOptions : ISettingsGroup
{
    /// <summary>Database file. Default <c>pipeline.db</c>. Env: <c>Pipeline__Store__Path</c>.</summary>
    public string Path { get; set; } = "pipeline.db";

    /// <summary>
    /// Readings written per transaction at most. A batch is whatever arrived while the previous one was being written
    /// (no waiting to fill one), so a quiet node writes each reading at once and a busy one writes big batches. Default 1024.
    /// </summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>How long a write waits for a lock held by another process before it retries. Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Readings and rejects older than this are deleted (an SD card fills up). Default 30 days; zero keeps everything.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often retention runs. Default 10 minutes.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<string> Problems(string section) =>
        SettingRules.When(string.IsNullOrWhiteSpace(Path), $"{section}:Path is empty")
            .Concat(SettingRules.Range($"{section}:BatchSize", BatchSize, 1, 10_000))
            .Concat(SettingRules.Positive($"{section}:BusyTimeout", BusyTimeout))
            .Concat(SettingRules.Positive($"{section}:RetentionInterval", RetentionInterval))
            .Concat(SettingRules.When(Retention < TimeSpan.Zero, $"{section}:Retention must be zero (keep everything) or positive, not {Retention}"));
}
