using Microsoft.Extensions.Logging;
using Npgsql;

namespace Pipeline.Streams.Storing.Postgres;

/// <summary>
/// A server that cannot take writes for now — down, restarting, unreachable, out of connections or of disk — said once
/// when it begins and once when it ends. The stream is not failed for it: failing would drop the broker session and
/// deliver every unacknowledged message again, to wait for the same server.
/// </summary>
public sealed partial class PostgresDatabase
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);
    private readonly ILogger? _logger;
    private readonly Lock _gate = new();
    private DateTimeOffset? _unreachableSince;
    private string? _unreachableReason;
    private long _unreachableRetries;
    private volatile bool _waiting; // read by every write without the lock

    /// <summary>Since when writes wait for a server that cannot take them, and why (the server's or the connection's words); or null.</summary>
    public (DateTimeOffset Since, string Reason)? Unreachable
    {
        get
        {
            lock (_gate)
            {
                return _unreachableSince is { } since ? (since, _unreachableReason ?? string.Empty) : null;
            }
        }
    }

    /// <summary>
    /// Why the server cannot take a write for now, or null when the error is about the write itself (a constraint, a
    /// type): the connection failed or broke (Npgsql's own errors, SQLSTATE class 08), the server is shutting down or
    /// starting (57P01-57P03), or it is out of connections, memory or disk (53100, 53200, 53300). Waiting mends those.
    /// </summary>
    public static string? Unavailable(NpgsqlException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            PostgresException { SqlState: var state } server when state.StartsWith("08", StringComparison.Ordinal)
                || state is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                    or PostgresErrorCodes.DiskFull or PostgresErrorCodes.OutOfMemory or PostgresErrorCodes.TooManyConnections
                => $"{state}: {server.MessageText}",
            PostgresException => null,
            _ => error.InnerException is { } inner && !error.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{error.Message} ({inner.Message})" : error.Message,
        };
    }

    private void Waiting(string reason)
    {
        Interlocked.Increment(ref _unreachableRetries);
        lock (_gate)
        {
            _unreachableReason = reason;
            if (_unreachableSince is not null)
            {
                return;
            }

            _unreachableSince = DateTimeOffset.UtcNow;
            _waiting = true;
        }

        _logger?.LogWarning("The store {Store} cannot take writes ({Reason}): nothing more is stored or acknowledged — the broker keeps it — and writing resumes by itself once the server takes them again",
            Description, reason);
    }

    private void Reachable()
    {
        if (!_waiting)
        {
            return;
        }

        DateTimeOffset since;
        lock (_gate)
        {
            if (_unreachableSince is not { } was)
            {
                return;
            }

            since = was;
            _unreachableSince = null;
            _unreachableReason = null;
            _waiting = false;
        }

        _logger?.LogInformation("The store {Store} takes writes again: writing resumed after {Waited} ({Retries} retries)",
            Description, DateTimeOffset.UtcNow - since, Interlocked.Exchange(ref _unreachableRetries, 0));
    }
}
