using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Pipeline.Streams.Storing.Sqlite;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

/// <summary>The write-ahead log is copied into the file beside the writes, not inside the commit that fills it.</summary>
public sealed class SqliteCheckpointerSpecs : IDisposable
{
    private const int Threshold = 50; // pages; the node's is 10,000
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Path => _temp.Combine("pipeline.db");

    [Fact]
    public async Task Should_copy_the_log_on_its_own_thread_each_time_it_passes_the_threshold()
    {
        using var database = SqliteDatabase.Open(Path, TimeSpan.FromSeconds(5), Threshold, logger: null);
        await CreateScratchAsync(database);

        for (var round = 1; round <= 5; round++)
        {
            await WritePagesAsync(database, Threshold + 10);
            await Eventually.HoldsAsync(() => database.Checkpointer.Checkpoints >= round, TimeSpan.FromSeconds(10),
                () => $"{database.Checkpointer.Checkpoints} checkpoints after {round} writes past the threshold");
        }

        Assert.Equal(0, database.Checkpointer.WriterCheckpoints);
        Assert.Equal(5 * 10, Count(database));
    }

    [Fact]
    public async Task Should_have_the_writer_copy_the_log_itself_once_it_holds_four_times_the_threshold()
    {
        using var database = SqliteDatabase.Open(Path, TimeSpan.FromSeconds(5), Threshold, logger: null);
        await CreateScratchAsync(database);

        // A reader's snapshot keeps every checkpoint from copying past it, so the log grows whatever the thread does.
        using var reader = database.OpenReader();
        using var snapshot = reader.BeginTransaction();
        using (var read = reader.CreateCommand())
        {
            read.Transaction = snapshot;
            read.CommandText = "SELECT count(*) FROM scratch";
            read.ExecuteScalar();
        }

        for (var write = 0; write < SqliteCheckpointer.WriterTakesOverFactor + 1; write++)
        {
            await WritePagesAsync(database, Threshold + 10);
        }

        Assert.True(database.Checkpointer.WriterCheckpoints > 0, "the writer never checkpointed a log of 5 x the threshold");
    }

    [Fact]
    public async Task Should_say_once_that_a_reader_holds_the_log_and_once_more_when_it_lets_go()
    {
        var log = new TestLogger();
        using var database = SqliteDatabase.Open(Path, TimeSpan.FromSeconds(5), Threshold, log);
        await CreateScratchAsync(database);
        var reader = database.OpenReader();
        var snapshot = reader.BeginTransaction();
        using (var read = reader.CreateCommand())
        {
            read.Transaction = snapshot;
            read.CommandText = "SELECT count(*) FROM scratch";
            read.ExecuteScalar();
        }

        for (var write = 0; write < 2 * SqliteCheckpointer.HeldFactor; write++)
        {
            await WritePagesAsync(database, Threshold + 10);
        }

        await Eventually.HoldsAsync(() => database.LogHeldSince is not null, TimeSpan.FromSeconds(10), () => "the held log was not noticed");
        var warning = Assert.Single(log.At(LogLevel.Warning));
        Assert.Contains($"The write-ahead log of {Path} holds", warning, StringComparison.Ordinal);
        Assert.Contains("a reader keeps a snapshot open", warning, StringComparison.Ordinal);

        snapshot.Dispose();
        reader.Dispose();
        for (var write = 0; write < 3 && database.LogHeldSince is not null; write++)
        {
            await WritePagesAsync(database, 1); // the log starts over at the first commit after a full copy
            await Eventually.HoldsAsync(() => database.Checkpointer.Checkpoints > 0, TimeSpan.FromSeconds(10), () => "no checkpoint");
        }

        await Eventually.HoldsAsync(() => database.LogHeldSince is null, TimeSpan.FromSeconds(10), () => "the log was let go but still reads as held");
        Assert.Contains(log.At(LogLevel.Information), m => m.Contains("is copied into the file again", StringComparison.Ordinal));
        Assert.Single(log.At(LogLevel.Warning));
        var logFile = new FileInfo(Path + "-wal").Length;
        Assert.True(logFile <= 2 * Threshold * 4096, $"the log file kept {logFile} bytes after it started over"); // it grew past 16 x the threshold

    }

    private static Task<int> CreateScratchAsync(SqliteDatabase database) =>
        database.WriteAsync((connection, transaction) =>
        {
            using var create = connection.CreateCommand();
            create.Transaction = transaction;
            create.CommandText = "CREATE TABLE scratch (payload BLOB)";
            return create.ExecuteNonQuery();
        }, default);

    /// <summary>One transaction of 10 rows that fill about <paramref name="pages"/> pages of the log.</summary>
    private static Task<int> WritePagesAsync(SqliteDatabase database, int pages) =>
        database.WriteAsync((connection, transaction) =>
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO scratch (payload) VALUES (zeroblob($bytes))";
            insert.Parameters.AddWithValue("$bytes", pages * 4096 / 10);
            for (var row = 0; row < 10; row++)
            {
                insert.ExecuteNonQuery();
            }

            return 10;
        }, default);

    private static long Count(SqliteDatabase database)
    {
        using var reader = database.OpenReader();
        return (long)new SqliteCommand("SELECT count(*) FROM scratch", reader).ExecuteScalar()!;
    }
}
