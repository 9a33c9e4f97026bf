namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>
/// Whether the store's path still names the file the writer has open. SQLite goes on writing into a file that was
/// deleted or moved away underneath it without a word (tried with <c>sqlite3</c>: an insert after <c>rm</c> succeeds);
/// a node would go on acknowledging readings into a file nobody can open after it stops. On Linux the writer's
/// descriptor in <c>/proc/self/fd</c> says where its file is now — its path, another path, or the path with
/// " (deleted)". Elsewhere (no <c>/proc</c>) nothing is watched.
/// </summary>
internal sealed class SqliteFileWatch
{
    private const string Descriptors = "/proc/self/fd";
    private readonly string _path;
    private readonly string? _descriptor;

    private SqliteFileWatch(string path, string? descriptor)
    {
        _path = path;
        _descriptor = descriptor;
    }

    /// <summary>The writer's file as another process reaches it (<c>/proc/PID/fd/N</c>), for a person to copy from; null when not watched.</summary>
    public string? Descriptor => _descriptor is null ? null : ForOthers(_descriptor);

    /// <summary>
    /// Runs <paramref name="open"/> (the writer's connection opening <paramref name="path"/>) and finds the descriptor
    /// it added for the file: one made by this open, so not another connection's that may be closed and reused. The
    /// file's real path is what the descriptor shows — a folder on the way may be a link (a store on a disk mounted
    /// elsewhere) — so it is read from a descriptor of the path's own.
    /// </summary>
    public static SqliteFileWatch Around(string path, Action open)
    {
        ArgumentNullException.ThrowIfNull(open);
        var before = FilesOpen();
        open();
        if (before is null || RealPath(path) is not { } real)
        {
            return new SqliteFileWatch(path, null);
        }

        // A descriptor is ours if it did not name this file before the open. Its number may have: another thread's file,
        // closed meanwhile, leaves its number for the next open to take — the numbers alone then missed ours, and the
        // file went unwatched (a spec running beside others saw a moved store go unnoticed).
        var descriptor = FilesOpen()?.FirstOrDefault(d => string.Equals(d.Value, real, StringComparison.Ordinal)
            && !string.Equals(before.GetValueOrDefault(d.Key), real, StringComparison.Ordinal)).Key;
        return new SqliteFileWatch(real, descriptor);
    }

    /// <summary>Whether the writer's file is watched: on Linux, where <c>/proc</c> tells where a descriptor's file is.</summary>
    public bool Watched => _descriptor is not null;

    private static string? RealPath(string path)
    {
        try
        {
            using var probe = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Target($"{Descriptors}/{probe.DangerousGetHandle()}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The write-ahead log the writer has open, as another process reaches it; null when not watched or not found. The
    /// log must be saved with the file: what was committed since the last checkpoint is only there, and it may be gone
    /// from its path too (SQLite deletes a log beside an empty database as stale: <c>sqlite3 PATH</c> on the empty file
    /// someone made there did).
    /// </summary>
    public string? LogDescriptor()
    {
        if (_descriptor is null || OpenDescriptors() is not { } descriptors)
        {
            return null;
        }

        var log = _path + "-wal";
        var found = descriptors.FirstOrDefault(d => Target(d) is { } target && (target == log || target == log + " (deleted)"));
        return found is null ? null : ForOthers(found);
    }

    /// <summary>Where the writer's file is now when the path no longer names it (another path, or "PATH (deleted)"); null while it does, or when not watched.</summary>
    public string? Moved()
    {
        if (_descriptor is null)
        {
            return null;
        }

        var target = Target(_descriptor);
        return target is null || string.Equals(target, _path, StringComparison.Ordinal) ? null : target;
    }

    private static string ForOthers(string descriptor) =>
        descriptor.Replace("/proc/self/", $"/proc/{Environment.ProcessId}/", StringComparison.Ordinal);

    private static HashSet<string>? OpenDescriptors()
    {
        try
        {
            return Directory.Exists(Descriptors) ? [.. Directory.EnumerateFiles(Descriptors)] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Each open descriptor and the file it names now.</summary>
    private static Dictionary<string, string?>? FilesOpen() => OpenDescriptors()?.ToDictionary(d => d, Target, StringComparer.Ordinal);

    private static string? Target(string descriptor)
    {
        try
        {
            return new FileInfo(descriptor).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // closed meanwhile (another connection's), or not ours to read
        }
    }
}
