using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// One SQLite file in WAL mode with a single writer connection, shared by the table stores. Every write runs alone on
/// the writer, off the caller's thread, in its own transaction, and is synced before it returns
/// (<c>synchronous=FULL</c>: a power cut must not take back a reading the broker was told is stored). A lock held by
/// another process (<c>sqlite3</c>, a CLI command) beyond the busy timeout is waited out with backoff rather than
/// failing the write: what is behind it simply waits, which is the backpressure. A full disk is waited out the same
/// way (#15): nothing is acknowledged meanwhile, the log says so once, and writing resumes by itself when space is
/// freed. Readers get their own connections, and the log is copied into the file on one of its own, beside the writes
/// (<see cref="SqliteCheckpointer"/>).
/// </summary>
public sealed partial class SqliteDatabase : IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);
    // A checkpoint copies every page the log holds into the file. SQLite's default, every 1,000 pages of log, copied a
    // quiet node's per-sensor index pages some five times a second; every 10,000 pages (a log of up to 40 MB) copies each
    // once for ten times as many readings: a fifth to a quarter less written to the disk per reading, and less CPU
    // (docs/storage.md, "What that writes"). The copy runs beside the writes (SqliteCheckpointer).
    private const int CheckpointPages = 10_000;

    private readonly SqliteConnection _writer;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Dictionary<string, SqliteStatement> _prepared = new(StringComparer.Ordinal); // the writer's; used inside writes only
    private readonly VerdictColumns.PerSignalWriter _perSignal = new(); // likewise: one verdict's JSON at a time
    private readonly string _readConnectionString;

    private SqliteDatabase(string path, SqliteConnection writer, SqliteFileWatch file, SqliteCheckpointer checkpointer, string readConnectionString, ILogger logger)
    {
        Path = path;
        _writer = writer;
        _file = file;
        Checkpointer = checkpointer;
        _readConnectionString = readConnectionString;
        _logger = logger;
        _full = FullDiskWait();
        _diskError = DiskErrorWait();
        _locked = LockWait();
        _damaged = DamagedFileWait();
    }

    public string Path { get; }

    /// <summary>What copies the log into the file, beside the writes.</summary>
    internal SqliteCheckpointer Checkpointer { get; }


    /// <summary>Since when a reader has kept the write-ahead log from being copied into the file (it grows meanwhile), or null.</summary>
    public DateTimeOffset? LogHeldSince => Checkpointer.HeldSince;

    /// <summary>Opens (creating if needed) the database and brings its schema up to date.</summary>
    public static SqliteDatabase Open(string path, TimeSpan busyTimeout, ILogger? logger = null) => Open(path, busyTimeout, CheckpointPages, logger);

    /// <summary><see cref="Open(string, TimeSpan, ILogger?)"/>, copying the log into the file every <paramref name="checkpointPages"/> pages.</summary>
    internal static SqliteDatabase Open(string path, TimeSpan busyTimeout, int checkpointPages, ILogger? logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(ConnectionString(path, busyTimeout, SqliteOpenMode.ReadWriteCreate));
        try
        {
            var file = SqliteFileWatch.Around(path, connection.Open);
            // Microsoft.Data.Sqlite waits out a lock in its own commands only; the statements run through SQLite's own
            // API (WriteRowsAsync) wait the same busy timeout inside SQLite before the write's backoff takes over.
            SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, (int)Math.Min(busyTimeout.TotalMilliseconds, int.MaxValue));
            using (var pragmas = connection.CreateCommand())
            {
                pragmas.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
                pragmas.ExecuteNonQuery();
            }

            SqliteSchema.Migrate(connection);
            var pageSize = PageSize(connection);
            LimitLogFile(connection, 2L * checkpointPages * pageSize);
            logger ??= NullLogger.Instance;
            if (!file.Watched && OperatingSystem.IsLinux())
            {
                logger.LogWarning("The store {Store}'s open file was not found in /proc/self/fd: deleted or moved away while the node runs, it would not be noticed", path);
            }

            var checkpointer = new SqliteCheckpointer(connection, ConnectionString(path, busyTimeout, SqliteOpenMode.ReadWrite), checkpointPages, pageSize, logger);
            return new SqliteDatabase(path, connection, file, checkpointer, ConnectionString(path, busyTimeout, SqliteOpenMode.ReadOnly), logger);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_NOTADB or SQLitePCL.raw.SQLITE_CORRUPT)
        {
            connection.Dispose();
            throw new InvalidDataException(
                $"the store {path} is not a SQLite database or is damaged ({e.Message}). Point Pipeline:Store:Path (--store) at the node's store, "
                + $"or move this file aside and a new store is made; `sqlite3 {path} .recover` may save what a damaged store holds", e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_FULL)
        {
            connection.Dispose();
            throw new IOException($"the disk holding the store {path} is full ({e.Message.TrimEnd('.')}): free space there, or point Pipeline:Store:Path (--store) at another disk", e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_CANTOPEN or SQLitePCL.raw.SQLITE_READONLY or SQLitePCL.raw.SQLITE_PERM or SQLitePCL.raw.SQLITE_IOERR)
        {
            connection.Dispose();
            throw new IOException(
                $"cannot write the store {path} ({e.Message.TrimEnd('.')}): it must be a file on a writable disk, and the node's user must be allowed to write it and its folder", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static long PageSize(SqliteConnection connection)
    {
        using var pageSize = connection.CreateCommand();
        pageSize.CommandText = "PRAGMA page_size";
        return (long)pageSize.ExecuteScalar()!;
    }

    /// <summary>
    /// Has SQLite cut the log file back to <paramref name="bytes"/> (twice the checkpoint threshold) whenever the log
    /// starts over. Without it the file keeps the largest size it ever had: a reader that held the log for a minute at
    /// 1,000 readings/s left 717 MB on the disk for good (SqliteCheckpointer). A log in normal use stays below the limit
    /// and is never cut.
    /// </summary>
    private static void LimitLogFile(SqliteConnection writer, long bytes)
    {
        using var journalSizeLimit = writer.CreateCommand();
        journalSizeLimit.CommandText = $"PRAGMA journal_size_limit = {bytes}";
        journalSizeLimit.ExecuteNonQuery();
    }

    /// <summary>A separate connection for reading while the writer works (WAL lets readers and one writer overlap).</summary>
    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs <paramref name="read"/> on a reader connection of its own, off the caller's thread.</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> read, CancellationToken cancellation) =>
        Task.Run(() =>
        {
            using var reader = OpenReader();
            return read(reader);
        }, cancellation);

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction on the writer connection, alone and off the caller's thread;
    /// a busy or locked file is retried with backoff until it frees up (or <paramref name="cancellation"/> fires).
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> write, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(write);
        return WriteAloneAsync(() =>
        {
            using var transaction = _writer.BeginTransaction(deferred: false);
            var result = write(_writer, transaction);
            transaction.Commit();
            return result;
        }, cancellation);
    }

    /// <summary>
    /// <see cref="WriteAsync"/> for the rows every reading writes (readings, rejects, verdicts): the transaction is begun
    /// and committed through SQLite's own API with statements prepared once, and the inserts are prepared once
    /// (<see cref="Prepared"/>). Microsoft.Data.Sqlite prepares a new command for every BEGIN and COMMIT — with the
    /// inserts prepared per write, about a sixth of what a node at a steady 1,000 readings/s allocated (bench/README.md).
    /// Commands run inside take no transaction object (the connection has none; SQLite's is open).
    /// </summary>
    public Task<T> WriteRowsAsync<T>(Func<SqliteConnection, T> write, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(write);
        return WriteAloneAsync(() =>
        {
            Prepared("BEGIN IMMEDIATE").Run();
            try
            {
                var result = write(_writer);
                Prepared("COMMIT").Run();
                return result;
            }
            catch
            {
                if (SQLitePCL.raw.sqlite3_get_autocommit(_writer.Handle) == 0)
                {
                    Prepared("ROLLBACK").Run();
                }

                throw;
            }
        }, cancellation);
    }

    /// <summary>
    /// A statement prepared once on the writer and kept until the database is closed; only for use inside a write
    /// (<see cref="WriteAsync"/>, <see cref="WriteRowsAsync"/>), which runs alone.
    /// </summary>
    internal SqliteStatement Prepared(string sql)
    {
        if (!_prepared.TryGetValue(sql, out var statement))
        {
            _prepared[sql] = statement = new SqliteStatement(_writer, sql);
        }

        return statement;
    }

    /// <summary>
    /// The writer of the verdicts' per-signal JSON, kept like the <see cref="Prepared"/> statements (a new one per
    /// batch was a twentieth of what a quiet node allocated): only for use inside a write.
    /// </summary>
    internal VerdictColumns.PerSignalWriter PerSignal => _perSignal;

    /// <summary>
    /// One write at a time, off the caller's thread; a busy or locked file, or a full disk, is retried with backoff, and
    /// none is made into a file deleted or moved away underneath the node (<see cref="SqliteFileWatch"/>).
    /// </summary>
    private async Task<T> WriteAloneAsync<T>(Func<T> transaction, CancellationToken cancellation)
    {
        await _writeGate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var delay = TimeSpan.FromMilliseconds(50);
            while (true)
            {
                if (FileMovedAway())
                {
                    await Task.Delay(MaxBackoff, cancellation).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    var written = await Task.Run(transaction, cancellation).ConfigureAwait(false);
                    WritesAgain();
                    return written;
                }
                catch (SqliteException e) when (WaitFor(e) is { } wait)
                {
                    wait.Retry(e);
                    await Task.Delay(delay, cancellation).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public void Dispose()
    {
        Checkpointer.Dispose();
        _perSignal.Dispose();
        foreach (var statement in _prepared.Values)
        {
            statement.Dispose();
        }

        _writer.Dispose();
        _writeGate.Dispose();
    }

    private static string ConnectionString(string path, TimeSpan busyTimeout, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        Cache = SqliteCacheMode.Private,
        DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
        Pooling = false,
    }.ToString();
}
