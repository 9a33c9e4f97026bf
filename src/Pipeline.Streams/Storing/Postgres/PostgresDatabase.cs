using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Pipeline.Streams.Storing.Postgres;

/// <summary>
/// A PostgreSQL database shared by several nodes (#19): a pooled data source, every write in its own transaction
/// (committed before it returns: a reading is acknowledged only once it is durable), the schema brought up to date at
/// open — under an advisory lock, so that nodes starting together migrate it once. In the node, writes wait while the
/// server cannot take them (<see cref="Unavailable"/>), as they wait for a full disk on SQLite.
/// </summary>
public sealed partial class PostgresDatabase : IDisposable
{
    private const int DeleteChunk = 5000;

    private readonly NpgsqlDataSource _source;

    private PostgresDatabase(NpgsqlDataSource source, string description, ILogger? logger)
    {
        _source = source;
        Description = description;
        _logger = logger;
    }

    /// <summary>Host, port and database, without credentials: what the log and the CLI may show.</summary>
    public string Description { get; }

    /// <param name="logger">
    /// The node's log: given, a write that finds the server unreachable, restarting or refusing connections waits and
    /// retries, said once; without (the CLI), it fails at once.
    /// </param>
    public static PostgresDatabase Open(string connectionString, ILogger? logger = null)
    {
        var builder = Settings(connectionString);
        var description = $"postgres://{builder.Host}:{builder.Port}/{builder.Database}";
        var source = NpgsqlDataSource.Create(builder);
        try
        {
            using var connection = source.OpenConnection();
            PostgresSchema.Migrate(connection);
        }
        catch
        {
            source.Dispose();
            throw;
        }

        return new PostgresDatabase(source, description, logger);
    }

    /// <summary>
    /// How long the server lets one of our transactions sit idle before it ends it, unless the connection string's
    /// <c>Options</c> say otherwise. A connection that vanishes without a word (a network that drops it: no FIN, no
    /// RST) leaves its transaction open on the server, holding its row locks — an alarm's, the readings' unique keys —
    /// until TCP gives up, hours later, and every node's writes to those rows wait meanwhile. Ours never idle for more
    /// than a round trip.
    /// </summary>
    public const int IdleInTransactionTimeoutMs = 60_000;

    /// <summary>The connection string's settings, with <see cref="IdleInTransactionTimeoutMs"/> added unless it sets its own.</summary>
    public static NpgsqlConnectionStringBuilder Settings(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("idle_in_transaction_session_timeout", StringComparison.Ordinal) != true)
        {
            builder.Options = $"{builder.Options} -c idle_in_transaction_session_timeout={IdleInTransactionTimeoutMs}".TrimStart();
        }

        return builder;
    }

    public async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> read, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(read);
        await using var connection = await _source.OpenConnectionAsync(cancellation).ConfigureAwait(false);
        return await read(connection).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction. In the node, a server that cannot take it is waited for with
    /// backoff (nothing more is stored or acknowledged meanwhile; the broker keeps it) and the whole transaction is run
    /// again: every write is one whose second run changes nothing the first committed (readings and verdicts
    /// <c>ON CONFLICT DO NOTHING</c>, states upserted), as for a message the broker delivers again — except when the
    /// connection broke during its COMMIT. Then the server may have committed it without saying so, and an alarm's
    /// events or a reject, which have no natural key, would be journalled twice: the server is asked how that
    /// transaction ended (<see cref="CommittedAsync"/>), and it is run again only if it did not commit.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> write, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(write);
        var delay = FirstRetry;
        while (true)
        {
            var attempt = new WriteAttempt<T>();
            try
            {
                await WriteOnceAsync(write, attempt, cancellation).ConfigureAwait(false);
                Reachable();
                return attempt.Result!;
            }
            catch (NpgsqlException e) when (_logger is not null && Unavailable(e) is { } reason)
            {
                Waiting(reason);
                if (attempt.Committing is { } transaction && await CommittedAsync(transaction, cancellation).ConfigureAwait(false))
                {
                    Reachable();
                    return attempt.Result!;
                }

                await Task.Delay(delay, cancellation).ConfigureAwait(false);
                delay = Doubled(delay);
            }
        }
    }

    private async Task WriteOnceAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> write, WriteAttempt<T> attempt, CancellationToken cancellation)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellation).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellation).ConfigureAwait(false);
        await using (var current = new NpgsqlCommand("SELECT txid_current()", connection, transaction))
        {
            var id = (long)(await current.ExecuteScalarAsync(cancellation).ConfigureAwait(false))!;
            attempt.Result = await write(connection, transaction).ConfigureAwait(false);
            attempt.Committing = id;
        }

        await transaction.CommitAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// How long a transaction whose COMMIT went unanswered may stay in progress before the log says so, naming its
    /// server process. Twice the server's idle timeout the node sets: past that, the connection string's <c>Options</c>
    /// turned the timeout off or the server never saw the connection go, and only a person can end it.
    /// </summary>
    internal TimeSpan StillOpenWarningAfter { get; set; } = TimeSpan.FromMilliseconds(2 * IdleInTransactionTimeoutMs);

    /// <summary>
    /// Whether the transaction <paramref name="transaction"/>, whose COMMIT went unanswered, committed: asked of the
    /// server (<c>txid_status</c>, made for this) on a new connection, waiting while it cannot answer or while the
    /// transaction is still in progress (its backend has not yet seen the connection go; said once past
    /// <see cref="StillOpenWarningAfter"/>). "Too old to say" is taken for not committed: it needs some billions of
    /// transactions in between, not a retry's seconds.
    /// </summary>
    private async Task<bool> CommittedAsync(long transaction, CancellationToken cancellation)
    {
        var delay = FirstRetry;
        var asking = Stopwatch.StartNew();
        var said = false;
        while (true)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(cancellation).ConfigureAwait(false);
                await using (var status = new NpgsqlCommand("SELECT txid_status(@transaction)", connection))
                {
                    status.Parameters.AddWithValue("transaction", transaction);
                    if (await status.ExecuteScalarAsync(cancellation).ConfigureAwait(false) is not "in progress" and var outcome)
                    {
                        return outcome is "committed";
                    }
                }

                if (!said && asking.Elapsed > StillOpenWarningAfter)
                {
                    said = true;
                    var process = await ServerProcessAsync(connection, transaction, cancellation).ConfigureAwait(false);
                    _logger?.LogWarning("A write's transaction {Transaction} on {Store} is still open {Waited} after its connection broke during COMMIT (server process {Process}): every write waits until it ends, since it may have committed. The server ends it after idle_in_transaction_session_timeout; if the connection string's Options turn that off, end it by hand: SELECT pg_terminate_backend({Process})",
                        transaction, Description, asking.Elapsed, process?.ToString(CultureInfo.InvariantCulture) ?? "unknown", process?.ToString(CultureInfo.InvariantCulture) ?? "<pid>");
                }
            }
            catch (NpgsqlException e) when (Unavailable(e) is { } reason)
            {
                Waiting(reason);
            }

            await Task.Delay(delay, cancellation).ConfigureAwait(false);
            delay = Doubled(delay);
        }
    }

    /// <summary>
    /// The server process that holds the open transaction <paramref name="transaction"/>, or null: <c>pg_stat_activity</c>
    /// shows a transaction's 32-bit id, the low half of <c>txid_current</c>'s.
    /// </summary>
    private static async Task<int?> ServerProcessAsync(NpgsqlConnection connection, long transaction, CancellationToken cancellation)
    {
        await using var find = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE backend_xid::text::bigint = @transaction % 4294967296 LIMIT 1", connection);
        find.Parameters.AddWithValue("transaction", transaction);
        return await find.ExecuteScalarAsync(cancellation).ConfigureAwait(false) is int pid ? pid : null;
    }

    /// <summary>The next wait of a retry: twice the last, at most <see cref="MaxBackoff"/>.</summary>
    private static TimeSpan Doubled(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));

    /// <summary>What one run of a write got to: its result, and its transaction's id once it is committing.</summary>
    private sealed class WriteAttempt<T>
    {
        public T? Result { get; set; }

        public long? Committing { get; set; }
    }

    /// <summary>
    /// Deletes the rows of <paramref name="table"/> whose <paramref name="column"/> (Unix ms) is before
    /// <paramref name="cutoff"/>, <see cref="DeleteChunk"/> per transaction so that the nodes' writes wait briefly at
    /// most; returns how many. Retention's: <paramref name="table"/> and <paramref name="column"/> are the stores' own
    /// names, never input.
    /// </summary>
    public async Task<long> DeleteOlderThanAsync(string table, string column, DateTimeOffset cutoff, CancellationToken cancellation)
    {
        var sql = $"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {column} < @cutoff LIMIT {DeleteChunk})";
        long deleted = 0;
        int chunk;
        do
        {
            chunk = await WriteAsync(async (connection, transaction) =>
            {
                await using var command = new NpgsqlCommand(sql, connection, transaction);
                command.Parameters.AddWithValue("cutoff", cutoff.ToUnixTimeMilliseconds());
                return await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
            }, cancellation).ConfigureAwait(false);
            deleted += chunk;
        }
        while (chunk > 0 && !cancellation.IsCancellationRequested);

        return deleted;
    }

    public void Dispose() => _source.Dispose();

    /// <summary>
    /// A <c>postgres://user:password@host:port/database?key=value</c> URI (what <c>--store</c> takes) as an Npgsql
    /// connection string; anything else is taken to be one already.
    /// </summary>
    public static string ConnectionString(string store)
    {
        ArgumentException.ThrowIfNullOrEmpty(store);
        if (!IsUri(store))
        {
            return store;
        }

        var uri = new Uri(store);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var user = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(user[0]);
            if (user.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(user[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, v) : (pair, string.Empty);
            builder[Uri.UnescapeDataString(key)] = Uri.UnescapeDataString(value);
        }

        return builder.ConnectionString;
    }

    /// <summary>Whether a <c>--store</c> value names PostgreSQL rather than a SQLite file.</summary>
    public static bool IsUri(string store) =>
        store.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || store.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);
}
