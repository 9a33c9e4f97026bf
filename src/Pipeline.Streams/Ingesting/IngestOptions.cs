using Pipeline.Models.Settings;

namespace Pipeline.Streams.Ingesting;

/// <summary>How the stream reaches the sensor actors (<c>Pipeline:Ingest</c>).</summary>
public sealed record IngestOptions : ISettingsGroup
{
    /// <summary>
    /// Stored batches on their way through the sensor actors and the detector at once; order is kept. Each batch is one
    /// message per sensor in it and one for the detector with every window it made due. Default 4.
    /// </summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>
    /// How long a sensor actor may take to answer. Past it the stream fails visibly, restarts, and the broker
    /// delivers the unacknowledged readings again. Default 5 s.
    /// </summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before the stream is restarted after a failure; doubles up to 30 s. Default 1 s.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    public IEnumerable<string> Problems(string section) =>
        SettingRules.Range($"{section}:Parallelism", Parallelism, 1, 4096)
            .Concat(SettingRules.Positive($"{section}:AskTimeout", AskTimeout))
            .Concat(SettingRules.Positive($"{section}:RestartDelay", RestartDelay));
}
