using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// What makes the writes wait, each said once when it begins and once when it ends: a full disk (#15), a file deleted
/// or moved away underneath the node, and another connection holding the file's write lock past the busy timeout.
/// Nothing is stored or acknowledged meanwhile; the broker keeps it.
/// </summary>
public sealed partial class SqliteDatabase
{
    private static readonly TimeSpan FileCheckInterval = TimeSpan.FromSeconds(1);
    private readonly SqliteFileWatch _file;
    private readonly WriteWait _full = new();
    private readonly WriteWait _locked = new();
    private DateTimeOffset? _goneSince;
    private long _fileCheckDue; // Environment.TickCount64 of the next look

    /// <summary>Since when writes are waiting for disk space, or null.</summary>
    public DateTimeOffset? FullSince => _full.Since;

    /// <summary>Since when writes are waiting because the file was deleted or moved away while the node runs, or null.</summary>
    public DateTimeOffset? GoneSince => _goneSince;

    /// <summary>Since when writes wait for another connection to let go of the file's write lock, or null.</summary>
    public DateTimeOffset? LockedSince => _locked.Since;

    /// <summary>
    /// A write found the file locked for longer than the busy timeout: not the node's own checkpoints (passive: they
    /// never take the write lock), but another process in a write transaction — a <c>sqlite3</c> shell left in
    /// <c>BEGIN IMMEDIATE</c>, a backup, a script. Measured before this was said: a 90 s lock stopped a node's writes
    /// without a line or a failing check.
    /// </summary>
    private void Locked(SqliteException e)
    {
        if (_locked.Retried())
        {
            var since = DateTimeOffset.UtcNow;
            _logger.LogWarning("The store {Store} is locked by another connection ({Reason}): nothing more is stored or acknowledged — the broker keeps it — and writing resumes by itself once it lets go. `fuser -v {Path}` names the processes that hold it open; a sqlite3 shell inside BEGIN is a common one",
                Path, e.Message, Path);
            _locked.Said(since); // after the line, as the file's state above
        }
    }

    private void Unlocked()
    {
        if (_locked.Ended() is { } ended)
        {
            _logger.LogInformation("The store {Store} is no longer locked: writing resumed after {Waited} ({Retries} retries)", Path, ended.Waited, ended.Retries);
        }
    }

    private void DiskFull(SqliteException e)
    {
        if (_full.Retried())
        {
            var since = DateTimeOffset.UtcNow;
            _logger.LogWarning("The disk holding {Store} is full ({Reason}): nothing more is stored or acknowledged — the broker keeps it — and writing resumes by itself once space is freed",
                Path, e.Message);
            _full.Said(since); // after the line, as the file's state above
        }
    }

    private void SpaceIsBack()
    {
        if (_full.Ended() is { } ended)
        {
            _logger.LogInformation("Space is back on the disk holding {Store}: writing resumed after {Waited} ({Retries} retries)", Path, ended.Waited, ended.Retries);
        }
    }

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
    private sealed class WriteWait
    {
        private long _retries;

        public DateTimeOffset? Since { get; private set; }

        /// <summary>Counts a retry; true on the first of a wait, which the caller says and then marks <see cref="Said"/>.</summary>
        public bool Retried()
        {
            Interlocked.Increment(ref _retries);
            return Since is null;
        }

        public void Said(DateTimeOffset since) => Since = since;

        /// <summary>The wait that a write just ended, or null when none was on.</summary>
        public (TimeSpan Waited, long Retries)? Ended()
        {
            if (Since is not { } since)
            {
                return null;
            }

            Since = null;
            return (DateTimeOffset.UtcNow - since, Interlocked.Exchange(ref _retries, 0));
        }
    }
}
