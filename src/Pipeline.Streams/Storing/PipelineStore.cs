using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Streams.Storing.Sqlite;

namespace Pipeline.Streams.Storing;

/// <summary>
/// The node's store, whichever provider holds it (<c>Pipeline:Store:Provider</c>): one object per group of tables, each
/// behind the interface its users need. Opening it creates the schema or brings it up to date.
/// </summary>
public sealed class PipelineStore : IDisposable
{
    private readonly IDisposable _database;
    private readonly SqliteDatabase? _sqlite; // what only a SQLite file can tell: its locks, its disk, its log
    private readonly Postgres.PostgresDatabase? _postgres; // what only a server can tell: that it cannot be reached

    private PipelineStore(string description, IDisposable database, IReadingStore readings, IVerdictStore verdicts,
        ISensorDirectory sensors, IAlarmJournal alarms, ISensorCalibrations calibrations)
    {
        Description = description;
        _database = database;
        _sqlite = database as SqliteDatabase;
        _postgres = database as Postgres.PostgresDatabase;
        Readings = readings;
        Verdicts = verdicts;
        Sensors = sensors;
        Alarms = alarms;
        Calibrations = calibrations;
    }

    /// <summary>Where the data is, for people: the SQLite file, or the PostgreSQL server and database (never the password).</summary>
    public string Description { get; }

    /// <summary>Writes that found the SQLite file locked and were retried (they wait; they never fail for it).</summary>
    public long BusyRetries => _sqlite?.BusyRetries ?? 0;

    /// <summary>Since when writes wait for disk space (nothing is stored or acknowledged meanwhile), or null.</summary>
    public DateTimeOffset? FullSince => _sqlite?.FullSince;

    /// <summary>Since when writes wait because the SQLite file was deleted or moved away while the node runs, or null.</summary>
    public DateTimeOffset? GoneSince => _sqlite?.GoneSince;

    /// <summary>Since when writes wait on a disk that fails them (an I/O error, a file system remounted read-only), or null.</summary>
    public DateTimeOffset? DiskErrorSince => _sqlite?.DiskErrorSince;

    /// <summary>Since when writes wait on a SQLite file found damaged, or null.</summary>
    public DateTimeOffset? DamagedSince => _sqlite?.DamagedSince;

    /// <summary>Since when writes wait for another connection to let go of the SQLite file's write lock, or null.</summary>
    public DateTimeOffset? LockedSince => _sqlite?.LockedSince;

    /// <summary>
    /// Since when a reader has kept SQLite's write-ahead log from being copied into the file (it grows with every reading
    /// meanwhile), or null; always null on PostgreSQL.
    /// </summary>
    public DateTimeOffset? LogHeldSince => _sqlite?.LogHeldSince;

    /// <summary>
    /// Since when writes wait for a PostgreSQL server that cannot take them (down, restarting, unreachable, out of
    /// connections or disk), and why; or null, always on SQLite.
    /// </summary>
    public (DateTimeOffset Since, string Reason)? Unreachable => _postgres?.Unreachable;

    /// <summary>
    /// Why the store takes no writes now, for people (one of the waits above), and since when; or null while it takes
    /// them. The one list of them: the health check, the hearing watch and the drain all read it.
    /// </summary>
    public (DateTimeOffset Since, string Why)? NoWrites =>
        FullSince is { } full ? (full, $"the disk holding {Description} is full")
        : GoneSince is { } gone ? (gone, $"the store {Description} is deleted or moved away")
        : DiskErrorSince is { } failing ? (failing, $"the disk holding {Description} fails its writes")
        : DamagedSince is { } damaged ? (damaged, $"the store {Description} is damaged")
        : LockedSince is { } locked ? (locked, $"the store {Description} is locked by another connection")
        : Unreachable is { } unreachable ? (unreachable.Since, $"the store {Description} cannot take writes")
        : null;

    public IReadingStore Readings { get; }

    public IVerdictStore Verdicts { get; }

    public ISensorDirectory Sensors { get; }

    public IAlarmJournal Alarms { get; }

    public ISensorCalibrations Calibrations { get; }

    /// <param name="logger">
    /// The node's log, where a full disk or an unreachable server is reported while writes wait for it; none for the
    /// CLI, whose writes to an unreachable server fail at once.
    /// </param>
    public static PipelineStore Open(StoreOptions options, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsPostgres)
        {
            var postgres = Postgres.PostgresDatabase.Open(options.PostgresConnectionString, logger);
            return new PipelineStore(postgres.Description, postgres, new Postgres.PostgresReadingStore(postgres),
                new Postgres.PostgresVerdictStore(postgres), new Postgres.PostgresSensorDirectory(postgres), new Postgres.PostgresAlarmJournal(postgres),
                new Postgres.PostgresCalibrationStore(postgres));
        }

        var sqlite = SqliteDatabase.Open(options.Path, options.BusyTimeout, logger);
        return new PipelineStore(sqlite.Path, sqlite, new SqliteReadingStore(sqlite), new SqliteVerdictStore(sqlite),
            new SqliteSensorDirectory(sqlite), new SqliteAlarmJournal(sqlite), new SqliteCalibrationStore(sqlite));
    }

    /// <summary>
    /// A store a command reads (<c>--store</c>: a SQLite file or a <c>postgres://</c> URI) that must exist already: a
    /// missing SQLite file is an error naming it, not a new empty store.
    /// </summary>
    public static PipelineStore OpenExisting(string store)
    {
        ArgumentException.ThrowIfNullOrEmpty(store);
        if (!Postgres.PostgresDatabase.IsUri(store) && !File.Exists(store))
        {
            throw new FileNotFoundException($"No store at '{store}'; pass the node's --store.", store);
        }

        return Open(new StoreOptions { Path = store });
    }

    public void Dispose() => _database.Dispose();

    public override string ToString() => Description;
}
