using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// What makes the writes wait, each said once when it begins and once when it ends: a full disk (#15), a disk that
/// fails writes (an I/O error; a file system the kernel remounted read-only), a file deleted or moved away underneath
/// the node, and another connection holding the file's write lock past the busy timeout.
/// Nothing is stored or acknowledged meanwhile; the broker keeps it.
/// </summary>
public sealed partial class SqliteDatabase
{
    private static readonly TimeSpan FileCheckInterval = TimeSpan.FromSeconds(1);
    private readonly SqliteFileWatch _file;
    private readonly WriteWait _full;
    private readonly WriteWait _diskError;
    private readonly WriteWait _locked;
    private readonly WriteWait _damaged;
    private DateTimeOffset? _goneSince;
    private long _fileCheckDue; // Environment.TickCount64 of the next look

    /// <summary>Since when writes are waiting for disk space, or null.</summary>
    public DateTimeOffset? FullSince => _full.Since;

    /// <summary>Since when writes are waiting because the file was deleted or moved away while the node runs, or null.</summary>
    public DateTimeOffset? GoneSince => _goneSince;

    /// <summary>Since when writes wait on a disk that fails them (an I/O error, a read-only file system), or null.</summary>
    public DateTimeOffset? DiskErrorSince => _diskError.Since;

    /// <summary>Since when writes wait on a file that SQLite found damaged, or null.</summary>
    public DateTimeOffset? DamagedSince => _damaged.Since;

    /// <summary>Since when writes wait for another connection to let go of the file's write lock, or null.</summary>
    public DateTimeOffset? LockedSince => _locked.Since;

    /// <summary>Writes that found the file locked and were retried.</summary>
    public long BusyRetries => _locked.AllRetries;

    /// <summary>The wait a failed write is in, or null for a failure that is no waiting matter.</summary>
    private WriteWait? WaitFor(SqliteException e) => e.SqliteErrorCode switch
    {
        SQLitePCL.raw.SQLITE_FULL => _full,
        SQLitePCL.raw.SQLITE_IOERR or SQLitePCL.raw.SQLITE_READONLY => _diskError,
        SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED => _locked,
        SQLitePCL.raw.SQLITE_CORRUPT or SQLitePCL.raw.SQLITE_NOTADB => _damaged,
        _ => null,
    };

    /// <summary>A write went through: whatever it waited for is over.</summary>
    private void WritesAgain()
    {
        _full.End();
        _diskError.End();
        _locked.End();
        _damaged.End();
    }

    /// <summary>
    /// A write found the file damaged (a power cut on a card that lies about its writes, a failing disk). Retrying does
    /// not mend it, but failing the stream would not either: it restarted every 1-30 s, dropping the broker session each
    /// time. So the writes wait, the line says what to do, and a file put right (restored under the node) takes them.
    /// </summary>
    private WriteWait DamagedFileWait() => new(
        e => _logger.LogError("The store {Store} is damaged ({Reason}): nothing more is stored or acknowledged — the broker keeps it. `sqlite3 {Path} 'PRAGMA integrity_check'` says where; stop the node, restore the file from a backup (or move it away: a new store begins) and start it, and check the disk (`dmesg`)",
            Path, e.Message, Path),
        (waited, retries) => _logger.LogInformation("The store {Store} takes writes again: writing resumed after {Waited} ({Retries} retries)", Path, waited, retries));

    private WriteWait FullDiskWait() => new(
        e => _logger.LogWarning("The disk holding {Store} is full ({Reason}): nothing more is stored or acknowledged — the broker keeps it — and writing resumes by itself once space is freed",
            Path, e.Message),
        (waited, retries) => _logger.LogInformation("Space is back on the disk holding {Store}: writing resumed after {Waited} ({Retries} retries)", Path, waited, retries));

    /// <summary>
    /// A write failed at the disk: SQLite's I/O error, or a file system that became read-only. An SD card that fails is
    /// remounted read-only by the kernel (ext4's <c>errors=remount-ro</c>, Raspberry Pi OS's default). Before, each
    /// failed write failed the stream: it restarted every 1-30 s, each time dropping the broker session, and
    /// <c>/health/ready</c> named the broker and called the store healthy (a loop-mounted ext4 given an error,
    /// 2026-12-02). The writes now wait and are retried: a disk that comes back takes them; one that does not needs a
    /// person, and the line says where to look.
    /// </summary>
    private WriteWait DiskErrorWait() => new(
        e => _logger.LogError("The disk holding {Store} fails its writes ({Reason}): nothing more is stored or acknowledged — the broker keeps it — and the writes are retried. A failing disk or SD card is often remounted read-only by the kernel: `dmesg` shows its errors and `findmnt -T {Path}` an `ro`; check or replace it, then restart the node",
            Path, e.Message, Path),
        (waited, retries) => _logger.LogInformation("The disk holding {Store} takes writes again: writing resumed after {Waited} ({Retries} retries)", Path, waited, retries));

    /// <summary>
    /// A write found the file locked for longer than the busy timeout: not the node's own checkpoints (passive: they
    /// never take the write lock), but another process in a write transaction — a <c>sqlite3</c> shell left in
    /// <c>BEGIN IMMEDIATE</c>, a backup, a script. Measured before this was said: a 90 s lock stopped a node's writes
    /// without a line or a failing check.
    /// </summary>
    private WriteWait LockWait() => new(
        e => _logger.LogWarning("The store {Store} is locked by another connection ({Reason}): nothing more is stored or acknowledged — the broker keeps it — and writing resumes by itself once it lets go. `fuser -v {Path}` names the processes that hold it open; a sqlite3 shell inside BEGIN is a common one",
            Path, e.Message, Path),
        (waited, retries) => _logger.LogInformation("The store {Store} is no longer locked: writing resumed after {Waited} ({Retries} retries)", Path, waited, retries));

    /// <summary>
    /// True while the path no longer names the writer's file (looked at once a second at most: a write a reading). The
    /// readings acknowledged since the last look are in the old file, which can be copied while the node runs.
    /// </summary>
    private bool FileMovedAway()
    {
        var now = Environment.TickCount64;
        if (_goneSince is null && now < _fileCheckDue)
        {
            return false;
        }

        _fileCheckDue = now + (long)FileCheckInterval.TotalMilliseconds;
        if (_file.Moved() is { } whereNow)
        {
            if (_goneSince is null)
            {
                // The line before the state: whoever sees the store gone (its health check says "the node's log says
                // what to do") finds the line written.
                var goneAt = DateTimeOffset.UtcNow;
                _logger.LogError(
                    "The store {Store} was deleted or moved away while the node runs (its file is now {WhereNow}): nothing more is stored or acknowledged — the broker keeps it. {WhatToDo}",
                    Path, whereNow, whereNow.EndsWith(" (deleted)", StringComparison.Ordinal)
                        ? $"Save what it holds while the node still runs (cp {_file.Descriptor} {Path}.saved && cp {_file.LogDescriptor() ?? Path + "-wal"} {Path}.saved-wal), stop the node, "
                          + $"put both back under the store's name and start it (docs/storage.md, \"A store file deleted\"); started without them, it begins a new store"
                        : $"Move it back ({whereNow} to {Path}) and writing resumes");
                _goneSince = goneAt;
            }

            return true;
        }

        if (_goneSince is { } since)
        {
            _logger.LogInformation("The store {Store} is back where it was: writing resumed after {Waited}", Path, DateTimeOffset.UtcNow - since);
            _goneSince = null;
        }

        return false;
    }

    /// <summary>One cause of waiting writes: since when, and how many retries it cost; its start and end said once each.</summary>
    private sealed class WriteWait(Action<SqliteException> sayBegins, Action<TimeSpan, long> sayEnds)
    {
        private long _retries;
        private long _allRetries;

        public DateTimeOffset? Since { get; private set; }

        public long AllRetries => Interlocked.Read(ref _allRetries);

        /// <summary>A write failed for this cause and will be retried: said on the first of a wait.</summary>
        public void Retry(SqliteException e)
        {
            Interlocked.Increment(ref _retries);
            Interlocked.Increment(ref _allRetries);
            if (Since is null)
            {
                var since = DateTimeOffset.UtcNow;
                sayBegins(e);
                Since = since; // after the line: whoever sees the state (a health check) finds the line written
            }
        }

        public void End()
        {
            if (Since is { } since)
            {
                Since = null;
                sayEnds(DateTimeOffset.UtcNow - since, Interlocked.Exchange(ref _retries, 0));
            }
        }
    }
}
