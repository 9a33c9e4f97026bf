using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// What makes the writes wait, each said once when it begins and once when it ends: a full disk (#15), and a file
/// deleted or moved away underneath the node. Nothing is stored or acknowledged meanwhile; the broker keeps it.
/// </summary>
public sealed partial class SqliteDatabase
{
    private static readonly TimeSpan FileCheckInterval = TimeSpan.FromSeconds(1);
    private readonly SqliteFileWatch _file;
    private DateTimeOffset? _fullSince;
    private long _fullRetries;
    private DateTimeOffset? _goneSince;
    private long _fileCheckDue; // Environment.TickCount64 of the next look

    /// <summary>Since when writes are waiting for disk space, or null.</summary>
    public DateTimeOffset? FullSince => _fullSince;

    /// <summary>Since when writes are waiting because the file was deleted or moved away while the node runs, or null.</summary>
    public DateTimeOffset? GoneSince => _goneSince;

    private void DiskFull(SqliteException e)
    {
        Interlocked.Increment(ref _fullRetries);
        if (_fullSince is null)
        {
            var since = DateTimeOffset.UtcNow;
            _logger.LogWarning("The disk holding {Store} is full ({Reason}): nothing more is stored or acknowledged — the broker keeps it — and writing resumes by itself once space is freed",
                Path, e.Message);
            _fullSince = since; // after the line, as the file's state above
        }
    }

    private void SpaceIsBack()
    {
        if (_fullSince is { } since)
        {
            _logger.LogInformation("Space is back on the disk holding {Store}: writing resumed after {Waited} ({Retries} retries)",
                Path, DateTimeOffset.UtcNow - since, Interlocked.Exchange(ref _fullRetries, 0));
            _fullSince = null;
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
}
