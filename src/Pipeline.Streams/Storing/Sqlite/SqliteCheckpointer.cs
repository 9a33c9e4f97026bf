using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// Copies the write-ahead log into the database file on a connection and a thread of its own, beside the writes.
/// SQLite's own checkpoint runs inside the <c>COMMIT</c> that crosses its threshold: the readings of that write, and
/// every write queued behind it, waited for the copy before the broker heard they were stored — the slowest verdicts of
/// a node at a steady 1,000 readings/s (bench/README.md). Here the writer's commit only reports the log's length
/// (SQLite's WAL hook, which replaces its automatic checkpoint) and wakes this thread, whose PASSIVE checkpoint copies
/// what is committed without holding up the writer. Should it fall behind — a writer that never pauses keeps the log
/// from starting over — the writer copies once the log holds <see cref="WriterTakesOverFactor"/> x the threshold, as
/// SQLite would have, so the log stays bounded.
/// <para>
/// Bounded unless a reader holds a snapshot: no checkpoint copies past the oldest snapshot in use, and the log cannot
/// start over while one is open — an open transaction in a <c>sqlite3</c> shell, a backup or a long export. The log then
/// grows with every reading until the disk is full. Past <see cref="HeldFactor"/> x the threshold this says so once, in
/// the log and through <see cref="HeldSince"/> (the node's readiness shows it degraded), and once more when it is over.
/// </para>
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>How far the log may grow past the threshold before the writer checkpoints itself.</summary>
    public const int WriterTakesOverFactor = 4;

    /// <summary>
    /// How far past the threshold the log must grow to be held by a reader: the writer's own copies start at 4 x, and a
    /// log that outgrows twice that was not let go by any of them.
    /// </summary>
    public const int HeldFactor = 2 * WriterTakesOverFactor;

    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _connection;
    private readonly int _threshold;
    private readonly ILogger _logger;
    private readonly WalHook _hook; // SQLite keeps a pointer to it: kept alive as long as it is registered
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private volatile bool _stopping;
    private int _wakePending;
    private long _checkpoints;
    private long _writerCheckpoints;
    private bool _failing;
    private volatile bool _held; // the hook's view: the log passed HeldFactor x the threshold and has not started over since
    private int _heldPages;
    private long _heldSinceMs; // the thread's: what was said, in Unix ms (0: not held); read by the health check
    private readonly long _pageSize; // bytes: what the held log's warning says in MB

    /// <summary>Registers on <paramref name="writer"/>'s commits and starts the thread, with a connection of its own to <paramref name="connectionString"/>.</summary>
    public SqliteCheckpointer(SqliteConnection writer, string connectionString, int threshold, long pageSize, ILogger logger)
    {
        _pageSize = pageSize;
        _writer = writer;
        _threshold = threshold;
        _logger = logger;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        using (var synchronous = _connection.CreateCommand())
        {
            synchronous.CommandText = "PRAGMA synchronous = FULL";
            synchronous.ExecuteNonQuery();
        }

        _hook = OnCommit;
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpoint" };
        _thread.Start();
        _ = sqlite3_wal_hook(writer.Handle!.DangerousGetHandle(), _hook, IntPtr.Zero);
    }

    /// <summary>Checkpoints this thread completed or did in part.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Checkpoints the writer ran itself because the log had grown past <see cref="WriterTakesOverFactor"/> x the threshold.</summary>
    public long WriterCheckpoints => Interlocked.Read(ref _writerCheckpoints);

    /// <summary>Since when a reader has kept the log from being copied and starting over (it grows meanwhile), or null.</summary>
    public DateTimeOffset? HeldSince => Volatile.Read(ref _heldSinceMs) is > 0 and var since ? DateTimeOffset.FromUnixTimeMilliseconds(since) : null;

    /// <summary>SQLite's WAL hook: after every commit of the writer, on its thread, with the pages the log now holds. Must not throw.</summary>
    private int OnCommit(IntPtr argument, IntPtr database, IntPtr databaseName, int pages)
    {
        if (pages >= _threshold * WriterTakesOverFactor)
        {
            _ = sqlite3_wal_checkpoint_v2(database, databaseName, SQLitePCL.raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
            Interlocked.Increment(ref _writerCheckpoints);
        }
        else if (pages >= _threshold && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Release();
        }

        // Only noted here; the thread says it (a logger may throw, and this runs inside SQLite's commit).
        if (_held ? pages < _threshold : pages >= _threshold * HeldFactor)
        {
            _heldPages = pages;
            _held = !_held;
            _wake.Release();
        }

        return SQLitePCL.raw.SQLITE_OK;
    }

    private void Run()
    {
        while (true)
        {
            _wake.Wait();
            if (_stopping)
            {
                return;
            }

            ReportHeld();

            // Cleared before copying, so a commit during the copy wakes the thread again when the log is still long.
            Volatile.Write(ref _wakePending, 0);
            var result = SQLitePCL.raw.sqlite3_wal_checkpoint_v2(_connection.Handle, null, SQLitePCL.raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
            if (result == SQLitePCL.raw.SQLITE_OK)
            {
                Interlocked.Increment(ref _checkpoints);
                _failing = false;
            }
            else if (result is not (SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED) && !_failing)
            {
                // A full disk or an I/O error: the writes report it and wait it out (SqliteDatabase); said once here.
                _failing = true;
                _logger.LogWarning("Copying {Store}'s write-ahead log into the file failed ({Error}); it is tried again at the next commit",
                    _connection.DataSource, SQLitePCL.raw.sqlite3_errstr(result).utf8_to_string());
            }
        }
    }

    private void ReportHeld()
    {
        var held = _held;
        if (held == HeldSince is not null)
        {
            return;
        }

        if (held)
        {
            var since = DateTimeOffset.UtcNow;
            _logger.LogWarning(
                "The write-ahead log of {Store} holds {Megabytes} MB and cannot be copied into the file: a reader keeps a snapshot open "
                + "(a transaction left open in a sqlite3 shell, a backup, a long export). The log grows with every reading until that reader ends; end it before the disk fills",
                _connection.DataSource, Volatile.Read(ref _heldPages) * _pageSize / 1_000_000);
            Volatile.Write(ref _heldSinceMs, since.ToUnixTimeMilliseconds()); // after the log line: what was said
        }
        else
        {
            _logger.LogInformation("The write-ahead log of {Store} is copied into the file again, and its file cut back (it was held for {Held:c})",
                _connection.DataSource, TimeSpan.FromSeconds(Math.Round((DateTimeOffset.UtcNow - HeldSince!.Value).TotalSeconds)));
            Volatile.Write(ref _heldSinceMs, 0);
        }
    }

    public void Dispose()
    {
        _ = sqlite3_wal_hook(_writer.Handle!.DangerousGetHandle(), null, IntPtr.Zero);
        _stopping = true;
        _wake.Release();
        _thread.Join();
        _connection.Dispose();
        _wake.Dispose();
        GC.KeepAlive(_hook);
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int WalHook(IntPtr argument, IntPtr database, IntPtr databaseName, int pages);

    // SQLitePCLRaw wraps neither the hook nor a checkpoint from inside it; both are SQLite's C API, in the library it loads.
    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern IntPtr sqlite3_wal_hook(IntPtr database, WalHook? hook, IntPtr argument);

    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern int sqlite3_wal_checkpoint_v2(IntPtr database, IntPtr databaseName, int mode, out int logPages, out int copiedPages);
}
