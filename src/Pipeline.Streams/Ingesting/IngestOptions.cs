using Pipeline.Models.Settings;

namespace Pipeline.Streams.Ingesting;

/// <summary>How the stream reaches the sensor actors (<c>Pipeline:Ingest</c>).</summary>
public sealed record IngestOptions : ISettingsGroup
{
    /// <summary>
    /// Stored batches on their way through the sensor actors at once; order is kept. Each batch is one
    /// message per sensor in it. Default 4.
    /// </summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>
    /// How long a sensor actor may take to answer. Past it the stream fails visibly, restarts, and the broker
    /// delivers the unacknowledged readings again. Default 30 s: a batch that ends a sensor's learning period waits for
    /// its calibration to be fitted (0.1-0.5 s on the portable pass on x64, several times that on a Pi, longer when
    /// many sensors finish learning together).
    /// </summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before the stream is restarted after a failure; doubles up to 30 s. Default 1 s.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    public IEnumerable<string> Problems(string section) =>
        SettingRules.Range($"{section}:Parallelism", Parallelism, 1, 4096)
            .Concat(SettingRules.Positive($"{section}:AskTimeout", AskTimeout))
            .Concat(SettingRules.Positive($"{section}:RestartDelay", RestartDelay));
}
