using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Pipeline.Models.Alarms;
using Pipeline.Streams.Storing;
using Pipeline.Streams.Storing.Sqlite;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

/// <summary>The store specs on SQLite, and what is SQLite's own: WAL, the schema version, another process's lock.</summary>
public sealed class SqliteStoreSpecs : StoreSpecs
{
    private readonly TempDirectory _temp = new();

    private StoreOptions Options => new() { Path = _temp.Combine("store", "pipeline.db") };

    protected override PipelineStore Open() => PipelineStore.Open(Options);

    protected override long Scalar(string sql) => NodeDatabase.Scalar(Options.Path, sql);

    protected override string Text(string sql) => NodeDatabase.Text(Options.Path, sql);

    public override void Dispose() => _temp.Dispose();

    [Fact]
    public void Should_report_a_failed_row_insert_as_sqlite_does_and_run_the_next_row()
    {
        Open().Dispose(); // creates the schema
        using var connection = new SqliteConnection($"Data Source={Options.Path}");
        connection.Open();
        var unprepared = Assert.Throws<SqliteException>(() => new SqliteStatement(connection, "INSERT INTO nowhere (x) VALUES (?1)"));
        using var insert = new SqliteStatement(connection, "INSERT INTO readings (sensor_id, seq, ts, received_at) VALUES (?1, ?2, ?3, ?4)");
        insert.Text(1, (string?)null);
        insert.Integer(2, 1);
        insert.Integer(3, 1_764_090_000_000);
        insert.Integer(4, 1_764_090_000_001);
        var violated = Assert.Throws<SqliteException>(() => insert.Run());
        insert.Text(1, "esp32-01");

        Assert.Equal(1, insert.Run());
        Assert.Contains("no such table: nowhere", unprepared.Message, StringComparison.Ordinal);
        Assert.Equal(SQLitePCL.raw.SQLITE_CONSTRAINT, violated.SqliteErrorCode);
        Assert.Contains("NOT NULL constraint failed: readings.sensor_id", violated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_roll_back_a_rows_write_that_fails_half_way_and_take_the_next_write_whole()
    {
        Open().Dispose(); // creates the schema
        using var database = SqliteDatabase.Open(Options.Path, TimeSpan.FromSeconds(5));
        const string Insert = "INSERT INTO readings (sensor_id, seq, ts, received_at) VALUES (?1, ?2, 1764090000000, 1764090000001)";

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => database.WriteRowsAsync<int>(_ =>
        {
            var insert = database.Prepared(Insert);
            insert.Text(1, "esp32-01");
            insert.Integer(2, 1);
            insert.Run();
            throw new InvalidOperationException("the batch broke after its first row");
        }, CancellationToken.None));
        var written = await database.WriteRowsAsync(_ =>
        {
            var insert = database.Prepared(Insert);
            insert.Text(1, "esp32-01");
            insert.Integer(2, 2);
            return insert.Run();
        }, CancellationToken.None);

        Assert.Equal("the batch broke after its first row", failed.Message);
        Assert.Equal(1, written);
        Assert.Equal(2, Scalar("SELECT seq FROM readings"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM readings"));
    }

    [Fact]
    public void Should_create_the_schema_in_wal_mode_at_the_current_version()
    {
        using var store = Open();

        Assert.Equal("wal", Text("PRAGMA journal_mode"));
        Assert.Equal(SqliteSchema.Version, Scalar("PRAGMA user_version"));
        Assert.Equal(3, Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('readings', 'rejects', 'sensors')"));
    }

    [Fact]
    public async Task Should_keep_no_time_index_on_the_rows_every_reading_makes_and_delete_the_old_ones_among_young_ones()
    {
        using var store = Open();
        var now = DateTimeOffset.UtcNow;
        var stored = new[] { -40, -40, 0, -40, 0 }.Select((days, i) => Telemetry.Reading("s", i + 1, now.AddDays(days))).ToList();
        await store.Readings.WriteAsync(stored, [], now, default);

        var deleted = await store.Readings.DeleteOlderThanAsync(now.AddDays(-30), now, default);

        Assert.Equal(0, Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('readings', 'verdicts') AND sql IS NOT NULL"));
        Assert.Equal(3, deleted);
        Assert.Equal("3,5", Text("SELECT group_concat(seq) FROM (SELECT seq FROM readings ORDER BY seq)"));
    }

    [Fact]
    public void Should_refuse_a_database_from_a_newer_pipeline()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Options.Path)!);
        using (var connection = new SqliteConnection($"Data Source={Options.Path};Pooling=False"))
        {
            connection.Open();
            new SqliteCommand("PRAGMA user_version = 99", connection).ExecuteNonQuery();
        }

        var refused = Assert.Throws<InvalidDataException>(() => PipelineStore.Open(Options));
        Assert.Contains("schema version 99", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_name_a_store_that_cannot_be_written_and_what_it_must_be()
    {
        Directory.CreateDirectory(Options.Path); // a folder where the file should be

        var refused = Assert.Throws<IOException>(() => PipelineStore.Open(Options));

        Assert.StartsWith($"cannot write the store {Options.Path} (SQLite Error 14: 'unable to open database file'): it must be a file on a writable disk", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a database at all")]
    [InlineData("SQLite format 3\0 and then garbage")]
    public void Should_refuse_a_file_that_is_not_a_sqlite_database_naming_it_and_what_to_do(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Options.Path)!);
        File.WriteAllText(Options.Path, content + new string('x', 5000));

        var refused = Assert.Throws<InvalidDataException>(() => PipelineStore.Open(Options));

        Assert.Contains($"the store {Options.Path} is not a SQLite database or is damaged", refused.Message, StringComparison.Ordinal);
        Assert.Contains("move this file aside", refused.Message, StringComparison.Ordinal);
        Assert.Equal(content + new string('x', 5000), File.ReadAllText(Options.Path)); // left as it was, for a person to look at
    }

    [Theory]
    [InlineData("readings")]
    [InlineData("verdicts")]
    [InlineData("alarms")]
    [InlineData("calibrations")]
    [InlineData("sensors")]
    public async Task Should_wait_out_a_lock_held_by_another_process_instead_of_failing(string table)
    {
        using var store = PipelineStore.Open(Options with { BusyTimeout = TimeSpan.FromMilliseconds(200) });
        using var other = new SqliteConnection($"Data Source={Options.Path};Pooling=False");
        other.Open();
        var hold = other.BeginTransaction(deferred: false);

        var write = table switch
        {
            "readings" => store.Readings.WriteAsync([Telemetry.Reading("s", 1)], [], DateTimeOffset.UtcNow, default),
            "verdicts" => store.Verdicts.WriteVerdictsAsync([new("s", 1, 2, 0, 1, 0f, [0f], ["flow"], 1f, false, "m", [0f])], default),
            "alarms" => store.Alarms.RecordAsync([new(Alarm.Normal("s", AlarmType.Stuck), AlarmTransition.Shelved, 1)], [], default),
            "calibrations" => store.Calibrations.SaveCalibrationAsync(new("s", "m", [0f], [1f], [0f], [1f], 1f, 400, DateTimeOffset.UtcNow), default),
            _ => store.Sensors.UpsertSensorStatusAsync([new("s", null, null, 0, 60, "ok", "n", 0, 0, 0, DateTimeOffset.UtcNow)], default),
        };

        // Locked out for at least one retry: the write must still be waiting, not have failed.
        await Eventually.HoldsAsync(() => store.BusyRetries > 0 || write.IsCompleted, TimeSpan.FromSeconds(10), () => "the write never met the lock");
        Assert.False(write.IsCompleted, write.Exception?.GetBaseException().Message);
        hold.Commit();
        hold.Dispose();

        await write.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Should_say_once_that_another_connection_holds_the_store_locked_and_when_it_lets_go()
    {
        var logger = new TestLogger();
        using var store = PipelineStore.Open(Options with { BusyTimeout = TimeSpan.FromMilliseconds(200) }, logger);
        using var other = new SqliteConnection($"Data Source={Options.Path};Pooling=False");
        other.Open();
        var hold = other.BeginTransaction(deferred: false); // a sqlite3 shell left inside BEGIN IMMEDIATE

        var write = store.Readings.WriteAsync([Telemetry.Reading("s", 1)], [], DateTimeOffset.UtcNow, default);
        await Eventually.HoldsAsync(() => store.BusyRetries >= 3, TimeSpan.FromSeconds(10), () => "the write never met the lock");
        var locked = store.LockedSince;
        hold.Commit();
        hold.Dispose();
        await write.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(locked); // before: the writes waited for a 90 s lock without a line, the node's health "Healthy"
        var said = Assert.Single(logger.At(LogLevel.Warning)); // once, not per retry
        Assert.Contains($"The store {Options.Path} is locked by another connection", said, StringComparison.Ordinal);
        Assert.Contains($"fuser -v {Options.Path}", said, StringComparison.Ordinal);
        Assert.Contains(logger.At(LogLevel.Information), m => m.StartsWith($"The store {Options.Path} is no longer locked: writing resumed after", StringComparison.Ordinal));
        Assert.Null(store.LockedSince);
    }

    [Theory]
    [InlineData(SQLitePCL.raw.SQLITE_IOERR, "disk I/O error", "The disk holding {0} fails its writes", "findmnt -T {0}")] // an SD card's error; a file system the kernel made read-only
    [InlineData(SQLitePCL.raw.SQLITE_READONLY, "attempt to write a readonly database", "The disk holding {0} fails its writes", "findmnt -T {0}")]
    [InlineData(SQLitePCL.raw.SQLITE_CORRUPT, "database disk image is malformed", "The store {0} is damaged", "sqlite3 {0} 'PRAGMA integrity_check'")]
    public async Task Should_wait_out_a_disk_or_file_that_fails_writes_say_so_once_and_when_it_takes_them_again(int code, string reason, string what, string whereToLook)
    {
        Open().Dispose(); // creates the schema
        var logger = new TestLogger();
        using var database = SqliteDatabase.Open(Options.Path, TimeSpan.FromSeconds(5), logger);
        var failures = 3;
        DateTimeOffset? whileFailing = null;

        var written = await database.WriteRowsAsync(_ =>
        {
            whileFailing ??= database.DiskErrorSince ?? database.DamagedSince;
            if (failures-- > 0)
            {
                throw new SqliteException(reason, code);
            }

            var insert = database.Prepared("INSERT INTO readings (sensor_id, seq, ts, received_at) VALUES ('esp32-01', 1, 1764090000000, 1764090000001)");
            return insert.Run();
        }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, written); // before: the exception failed the stream, which restarted every 1-30 s
        Assert.NotNull(whileFailing);
        var said = Assert.Single(logger.At(LogLevel.Error));
        Assert.Contains(string.Format(CultureInfo.InvariantCulture, what, Options.Path) + $" ({reason})", said, StringComparison.Ordinal);
        Assert.Contains(string.Format(CultureInfo.InvariantCulture, whereToLook, Options.Path), said, StringComparison.Ordinal);
        Assert.Contains(logger.At(LogLevel.Information), m => m.Contains("takes writes again: writing resumed after", StringComparison.Ordinal));
        Assert.Null(database.DiskErrorSince ?? database.DamagedSince);
    }
}
