namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>Retention's side of the database: deleting old rows in chunks, without an index on the time.</summary>
public sealed partial class SqliteDatabase
{
    private const int DeleteChunk = 5000;

    /// <summary>
    /// Deletes the rows of <paramref name="table"/> whose <paramref name="column"/> (Unix ms) is before
    /// <paramref name="cutoff"/>, oldest stored first, <see cref="DeleteChunk"/> per transaction so that the node's
    /// writes wait briefly at most; returns how many. It walks the table in insertion order (its rowid) and stops after
    /// the first chunk holding a row to keep, so it needs no index on the time, which would be one more page for every
    /// commit to write: a reading stored late (a device's backlog) goes with the rows stored around it.
    /// <para>
    /// Rows stamped after <paramref name="now"/> are kept and do not stop the walk. They were stored while the clocks
    /// ran ahead and were set back since; they sit at the head of the table, and a walk that stopped at them deleted
    /// nothing behind them again, or at most a chunk a pass, while the table grew (StoreSpecs).
    /// Retention's: <paramref name="table"/> and <paramref name="column"/> are the stores' own names, never input.
    /// </para>
    /// </summary>
    public async Task<long> DeleteOlderThanAsync(string table, string column, DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellation)
    {
        var chunkSql = $"SELECT count(*), max(id), coalesce(sum({column} >= $cutoff AND {column} <= $now), 0) FROM (SELECT id, {column} FROM {table} WHERE id > $after ORDER BY id LIMIT {DeleteChunk})";
        var deleteSql = $"DELETE FROM {table} WHERE id > $after AND id <= $last AND {column} < $cutoff";
        long deleted = 0;
        long after = long.MinValue;
        var walked = false;
        while (!walked && !cancellation.IsCancellationRequested)
        {
            (var chunkDeleted, after, walked) = await WriteAsync((connection, transaction) =>
            {
                using var chunk = connection.CreateCommand();
                chunk.Transaction = transaction;
                chunk.CommandText = chunkSql;
                chunk.Parameters.AddWithValue("$after", after);
                chunk.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
                chunk.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                long rows, last, toKeep;
                using (var reader = chunk.ExecuteReader())
                {
                    reader.Read();
                    rows = reader.GetInt64(0);
                    if (rows == 0)
                    {
                        return (0, after, true);
                    }

                    last = reader.GetInt64(1);
                    toKeep = reader.GetInt64(2);
                }

                using var delete = connection.CreateCommand();
                delete.Transaction = transaction;
                delete.CommandText = deleteSql;
                delete.Parameters.AddWithValue("$after", after);
                delete.Parameters.AddWithValue("$last", last);
                delete.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
                return (delete.ExecuteNonQuery(), last, toKeep > 0 || rows < DeleteChunk);
            }, cancellation).ConfigureAwait(false);
            deleted += chunkDeleted;
        }

        return deleted;
    }
}
