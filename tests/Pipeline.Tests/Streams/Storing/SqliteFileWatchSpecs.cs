using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

/// <summary>
/// A store file deleted or moved away underneath a running node: SQLite goes on writing into it without a word, and
/// the node acknowledged readings into a file nobody could open after it stopped. Now the writes wait — nothing more is
/// acknowledged — the log says what happened and what to do, and a file moved back takes the writes again.
/// </summary>
public sealed class SqliteFileWatchSpecs : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly TestLogger _log = new();

    public void Dispose() => _temp.Dispose();

    private string Path => _temp.Combine("pipeline.db");

    [Fact]
    public async Task Should_stop_writing_into_a_file_moved_away_and_go_on_once_it_is_back()
    {
        using var store = PipelineStore.Open(new StoreOptions { Path = Path }, _log);
        await using var writer = await QuietNodeWriter.StartAsync(store);

        var away = _temp.Combine("elsewhere.db");
        File.Move(Path, away);
        File.Move(Path + "-wal", away + "-wal");
        await Eventually.HoldsAsync(() => store.GoneSince is not null, TimeSpan.FromSeconds(10), () => "the moved file was not noticed");
        var error = Assert.Single(_log.At(LogLevel.Error));
        Assert.Contains($"The store {Path} was deleted or moved away while the node runs (its file is now {away})", error, StringComparison.Ordinal);
        Assert.Contains($"Move it back ({away} to {Path}) and writing resumes", error, StringComparison.Ordinal);
        var acknowledgedWhileAway = writer.Acknowledged;

        File.Move(away, Path);
        File.Move(away + "-wal", Path + "-wal");
        await Eventually.HoldsAsync(() => store.GoneSince is null && writer.Acknowledged > acknowledgedWhileAway + 2, TimeSpan.FromSeconds(10),
            () => $"still waiting after the file came back ({writer.Acknowledged} written)");
        await writer.StopAsync();

        Assert.Equal(writer.Acknowledged, NodeDatabase.Scalar(Path, "SELECT count(*) FROM readings")); // every write acknowledged is in the file
        Assert.Contains(_log.At(LogLevel.Information), m => m.Contains("is back where it was: writing resumed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_stop_writing_into_a_deleted_file_and_say_how_to_save_what_it_holds()
    {
        using var store = PipelineStore.Open(new StoreOptions { Path = Path }, _log);
        await using var writer = await QuietNodeWriter.StartAsync(store);

        File.Delete(Path);
        await Eventually.HoldsAsync(() => store.GoneSince is not null, TimeSpan.FromSeconds(10), () => "the deleted file was not noticed");
        await writer.StopAsync();

        var error = Assert.Single(_log.At(LogLevel.Error));
        Assert.Contains($"(its file is now {Path} (deleted))", error, StringComparison.Ordinal);
        var saved = Regex.Escape(Path);
        Assert.Matches($@"cp /proc/{Environment.ProcessId}/fd/\d+ {saved}\.saved && cp /proc/{Environment.ProcessId}/fd/\d+ {saved}\.saved-wal", error);
    }

    [Fact]
    public async Task Should_watch_a_store_reached_through_a_linked_folder()
    {
        // A store on a disk mounted elsewhere and linked into place: the descriptor shows the real path, not the link.
        var disk = Directory.CreateDirectory(_temp.Combine("disk")).FullName;
        var linked = _temp.Combine("linked");
        Directory.CreateSymbolicLink(linked, disk);
        using var store = PipelineStore.Open(new StoreOptions { Path = System.IO.Path.Combine(linked, "pipeline.db") }, _log);
        await using var writer = await QuietNodeWriter.StartAsync(store);

        File.Delete(System.IO.Path.Combine(disk, "pipeline.db"));

        await Eventually.HoldsAsync(() => store.GoneSince is not null, TimeSpan.FromSeconds(10), () => "the deleted file behind the link was not noticed");
        Assert.Contains($"(its file is now {System.IO.Path.Combine(disk, "pipeline.db")} (deleted))", Assert.Single(_log.At(LogLevel.Error)), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_find_its_file_when_the_open_takes_a_descriptor_number_another_file_just_let_go()
    {
        // Before, a descriptor was taken for the writer's only if its number was new; another thread's file, closed
        // during the open, left its number to SQLite, and the store went unwatched (a spec beside others saw it).
        // Linux gives an open the lowest free number: with every lower one taken, the number let go is the one SQLite gets.
        var fillers = Enumerable.Range(0, 64).Select(i => File.OpenHandle(_temp.Combine($"filler-{i}"), FileMode.Create, FileAccess.Write)).ToList();
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path}");
        try
        {
            var watch = Pipeline.Streams.Storing.Sqlite.SqliteFileWatch.Around(Path, () =>
            {
                fillers[^1].Dispose();
                connection.Open();
            });

            Assert.True(watch.Watched);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    /// <summary>One reading per write, as a quiet node writes, counting each write that returned, until stopped.</summary>
    private sealed class QuietNodeWriter : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _writing;
        private int _acknowledged;

        private QuietNodeWriter(PipelineStore store) => _writing = WriteAsync(store);

        public int Acknowledged => Volatile.Read(ref _acknowledged);

        /// <summary>Starts writing and returns once three writes were acknowledged.</summary>
        public static async Task<QuietNodeWriter> StartAsync(PipelineStore store)
        {
            var writer = new QuietNodeWriter(store);
            await Eventually.HoldsAsync(() => writer.Acknowledged >= 3, TimeSpan.FromSeconds(10), () => "nothing written");
            return writer;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _writing;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task WriteAsync(PipelineStore store)
        {
            await Task.Yield();
            try
            {
                for (var seq = 1; !_stop.IsCancellationRequested; seq++)
                {
                    await store.Readings.WriteAsync([Telemetry.Reading("esp32-01", seq)], [], DateTimeOffset.UtcNow, _stop.Token);
                    Interlocked.Increment(ref _acknowledged);
                }
            }
            catch (OperationCanceledException)
            {
                // stopped while a write waited
            }
        }
    }
}
