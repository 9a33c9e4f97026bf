namespace Pipeline.Streams.Ingesting;

/// <summary>How the stream reaches the sensor actors (<c>Pipeline:Ingest</c>).</summary>
public sealed record IngestOptions
{
    /// <summary>
    /// Readings handed to sensor actors at once (asks in flight); order is kept. It also bounds the inference batches
    /// (a window waits in a batch while its reading is in flight). Default 256.
    /// </summary>
    public int Parallelism { get; init; } = 256;

    /// <summary>
    /// How long a sensor actor may take to answer. Past it the stream fails visibly, restarts, and the broker
    /// delivers the unacknowledged readings again. Default 5 s.
    /// </summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before the stream is restarted after a failure; doubles up to 30 s. Default 1 s.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);
}
