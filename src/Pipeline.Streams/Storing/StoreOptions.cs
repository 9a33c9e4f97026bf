using Pipeline.Models.Settings;

namespace Pipeline.Streams.Storing;

/// <summary>The store (<c>Pipeline:Store</c>): a SQLite file (the default), or PostgreSQL for several nodes.</summary>
public sealed record StoreOptions : ISettingsGroup
{
    /// <summary>
    /// The SQLite file; or a <c>postgres://user:password@host:port/database</c> URI, which means PostgreSQL (what
    /// <c>--store</c> sets). Default <c>pipeline.db</c>. Env: <c>Pipeline__Store__Path</c>.
    /// </summary>
    public string Path { get; set; } = "pipeline.db";

    /// <summary><c>sqlite</c> (the default) or <c>postgres</c>: one store shared by several nodes (#19).</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>PostgreSQL: an Npgsql connection string (or a <c>postgres://</c> URI); overrides a URI in <see cref="Path"/>.</summary>
    public string? ConnectionString { get; set; }

    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>Whether these options name PostgreSQL: the provider, or a <c>postgres://</c> URI as the path.</summary>
    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase) || Storing.Postgres.PostgresDatabase.IsUri(Path);

    /// <summary>The Npgsql connection string of a PostgreSQL store.</summary>
    public string PostgresConnectionString => Storing.Postgres.PostgresDatabase.ConnectionString(ConnectionString ?? Path);

    /// <summary>
    /// Readings written per transaction at most. A batch is whatever arrived while the previous one was being written
    /// (no waiting to fill one), so a quiet node writes each reading at once and a busy one writes big batches. Default 1024.
    /// </summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>
    /// How long a reading may wait for others to share its transaction. Zero (the default): none; each batch is
    /// written as soon as the previous one is, the least latency. Every transaction rewrites each index page it
    /// touches and waits for the disk (<c>fsync</c>), and each sensor's readings and verdicts sit on index pages of their
    /// own, so a quiet node's one-reading transactions write about 21-23 KB per reading — some 1.9 TB a day at 1,000
    /// readings/s, which wears out an SD card. 100 ms about halves that, 1 s cuts it about eight-fold (bench/README.md, "What
    /// the store writes"), at that much more latency to a verdict; keep <c>Pipeline:Mqtt:MaxInFlight</c> above the
    /// readings that arrive in twice this interval. At most 10 s.
    /// </summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.Zero;

    /// <summary>How long a write waits for a lock held by another process before it retries. Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Readings, the verdicts on them and rejects older than this are deleted (an SD card fills up: about 29 MB a day for
    /// each reading per second, docs/storage.md). Default 30 days; zero keeps everything. Age counts from the node's clock,
    /// or from the newest stored reading when the clock is ahead of it: a clock that jumps years ahead deletes nothing.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often retention runs. Default 10 minutes.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<string> Problems(string section) =>
        SettingRules.When(string.IsNullOrWhiteSpace(Path), $"{section}:Path is empty")
            .Concat(SettingRules.When(!string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase) && !string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase),
                $"{section}:Provider is '{Provider}'; it must be {Sqlite} or {Postgres}"))
            .Concat(SettingRules.When(string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(ConnectionString) && !Storing.Postgres.PostgresDatabase.IsUri(Path),
                $"{section}:Provider is {Postgres}: set {section}:ConnectionString, or a postgres:// URI as {section}:Path (--store)"))
            .Concat(SettingRules.Range($"{section}:BatchSize", BatchSize, 1, 10_000))
            .Concat(SettingRules.When(CommitInterval < TimeSpan.Zero || CommitInterval > TimeSpan.FromSeconds(10),
                $"{section}:CommitInterval is {CommitInterval}; it must be between zero (no waiting) and 10 s"))
            .Concat(SettingRules.Positive($"{section}:BusyTimeout", BusyTimeout))
            .Concat(SettingRules.Positive($"{section}:RetentionInterval", RetentionInterval))
            .Concat(SettingRules.When(Retention < TimeSpan.Zero, $"{section}:Retention must be zero (keep everything) or positive, not {Retention}"));
}
