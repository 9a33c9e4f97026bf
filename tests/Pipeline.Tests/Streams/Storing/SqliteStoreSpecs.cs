using Microsoft.Data.Sqlite;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

public sealed class SqliteStoreSpecs : IDisposable
{
    private readonly TempDirectory _temp = new();

    private StoreOptions Options => new() { Path = _temp.Combine("store", "pipeline.db") };

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Should_create_the_schema_in_wal_mode_at_the_current_version()
    {
        using var store = SqliteStore.Open(Options);
        using var reader = store.OpenReader();

        Assert.Equal("wal", (string)new SqliteCommand("PRAGMA journal_mode", reader).ExecuteScalar()!);
        Assert.Equal(StoreSchema.Version, Scalar(reader, "PRAGMA user_version"));
        Assert.Equal(3, Scalar(reader, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('readings', 'rejects', 'sensors')"));
    }

    [Fact]
    public async Task Should_open_an_existing_database_without_migrating_it_again()
    {
        using (var first = SqliteStore.Open(Options))
        {
            await first.WriteAsync([Telemetry.Reading("s1", 1)], [], DateTimeOffset.UtcNow, default);
        }

        using var again = SqliteStore.Open(Options);
        using var reader = again.OpenReader();
        Assert.Equal(1, Scalar(reader, "SELECT count(*) FROM readings"));
    }

    [Fact]
    public void Should_refuse_a_database_from_a_newer_pipeline()
    {
        using (var connection = new SqliteConnection($"Data Source={Options.Path}"))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Options.Path)!);
            connection.Open();
            new SqliteCommand("PRAGMA user_version = 99", connection).ExecuteNonQuery();
        }

        var refused = Assert.Throws<InvalidDataException>(() => SqliteStore.Open(Options));
        Assert.Contains("schema version 99", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_store_a_redelivered_reading_once()
    {
        using var store = SqliteStore.Open(Options);
        var readings = Enumerable.Range(1, 10).Select(i => Telemetry.Reading("esp32-01", i)).ToList();

        var first = await store.WriteAsync(readings, [], DateTimeOffset.UtcNow, default);
        var again = await store.WriteAsync(readings.Skip(5).Append(Telemetry.Reading("esp32-01", 11)).ToList(), [], DateTimeOffset.UtcNow, default);

        Assert.Equal((10, 0, 0), (first.Inserted, first.Duplicates, first.Rejects));
        Assert.Equal((1, 5, 0), (again.Inserted, again.Duplicates, again.Rejects));
        Assert.Equal(11, again.NewReadings.Single().Sequence);
        using var reader = store.OpenReader();
        Assert.Equal(11, Scalar(reader, "SELECT count(*) FROM readings"));
    }

    [Fact]
    public async Task Should_keep_the_standard_signals_in_columns_and_the_others_as_json()
    {
        using var store = SqliteStore.Open(Options);
        var reading = new Reading("esp32-01", 1_764_090_000_000, 7, new Dictionary<string, double> { ["flow"] = 1.5, ["vibration"] = 0.25 });

        await store.WriteAsync([reading], [], DateTimeOffset.UtcNow, default);

        using var reader = store.OpenReader();
        using var command = new SqliteCommand("SELECT sensor_id, seq, ts, flow, pressure, extra FROM readings", reader);
        using var row = command.ExecuteReader();
        Assert.True(row.Read());
        Assert.Equal("esp32-01", row.GetString(0));
        Assert.Equal(7, row.GetInt64(1));
        Assert.Equal(1_764_090_000_000, row.GetInt64(2));
        Assert.Equal(1.5, row.GetDouble(3));
        Assert.True(row.IsDBNull(4));
        Assert.Equal("""{"vibration":0.25}""", row.GetString(5));
    }

    [Fact]
    public async Task Should_keep_a_reject_with_its_raw_payload_topic_reason_and_time()
    {
        using var store = SqliteStore.Open(Options);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_090_000_123);

        await store.WriteAsync([], [new RejectedMessage(at, "pipeline/x/telemetry", RejectReason.NotJson, "not valid JSON at byte 0", "garbage\0"u8.ToArray())], at, default);

        using var reader = store.OpenReader();
        using var command = new SqliteCommand("SELECT received_at, topic, reason, detail, payload FROM rejects", reader);
        using var row = command.ExecuteReader();
        Assert.True(row.Read());
        Assert.Equal(1_764_090_000_123, row.GetInt64(0));
        Assert.Equal("pipeline/x/telemetry", row.GetString(1));
        Assert.Equal("NotJson", row.GetString(2));
        Assert.Equal("not valid JSON at byte 0", row.GetString(3));
        Assert.Equal("garbage\0"u8.ToArray(), (byte[])row[4]);
    }

    [Fact]
    public async Task Should_delete_readings_and_rejects_older_than_the_cutoff_only()
    {
        using var store = SqliteStore.Open(Options);
        var now = DateTimeOffset.UtcNow;
        var old = Enumerable.Range(1, 12_000).Select(i => Telemetry.Reading("s", i, now.AddDays(-40))).ToList();
        await store.WriteAsync(old, [new RejectedMessage(now.AddDays(-40), "t", RejectReason.NotJson, "d", new byte[] { 1 })], now, default);
        await store.WriteAsync([Telemetry.Reading("s", 12_001, now)], [new RejectedMessage(now, "t", RejectReason.NotJson, "d", new byte[] { 1 })], now, default);

        var deleted = await store.DeleteOlderThanAsync(now.AddDays(-30), default);

        Assert.Equal(12_001, deleted);
        using var reader = store.OpenReader();
        Assert.Equal(1, Scalar(reader, "SELECT count(*) FROM readings"));
        Assert.Equal(12_001, Scalar(reader, "SELECT seq FROM readings"));
        Assert.Equal(1, Scalar(reader, "SELECT count(*) FROM rejects"));
    }

    [Fact]
    public async Task Should_wait_out_a_lock_held_by_another_process_instead_of_failing()
    {
        using var store = SqliteStore.Open(Options with { BusyTimeout = TimeSpan.FromMilliseconds(200) });
        using var other = new SqliteConnection($"Data Source={Options.Path}");
        other.Open();
        using var hold = other.BeginTransaction(deferred: false);

        var write = store.WriteAsync([Telemetry.Reading("s", 1)], [], DateTimeOffset.UtcNow, default);
        await Task.Delay(800);
        Assert.False(write.IsCompleted);
        hold.Commit();

        Assert.Equal(1, (await write.WaitAsync(TimeSpan.FromSeconds(10))).Inserted);
    }

    [Fact]
    public async Task Should_keep_each_sensors_calibration_per_model_and_forget_it_on_recommission()
    {
        using var store = SqliteStore.Open(Options);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        var calibration = new Pipeline.Models.Detection.SensorCalibration("esp32-01", "default@1", [1.5f, 20f], [0.25f, 0.5f], 0.75f, [0.5f, 1f], 400, at);
        await store.SaveCalibrationAsync(calibration, default);
        await store.SaveCalibrationAsync(calibration with { Threshold = 0.8f }, default); // refitted: replaces
        await store.SaveCalibrationAsync(calibration with { SensorId = "esp32-02" }, default);
        await store.SaveCalibrationAsync(calibration with { ModelVersion = "other@2" }, default);

        var loaded = store.LoadCalibrations("default@1").OrderBy(c => c.SensorId, StringComparer.Ordinal).ToList();
        var deleted = await store.DeleteCalibrationsAsync("esp32-01", default);

        Assert.Equal(["esp32-01", "esp32-02"], loaded.Select(c => c.SensorId));
        Assert.Equal(0.8f, loaded[0].Threshold);
        Assert.Equal(calibration.Mean, loaded[0].Mean);
        Assert.Equal(calibration.Std, loaded[0].Std);
        Assert.Equal(calibration.PerSignal, loaded[0].PerSignal);
        Assert.Equal((400, at), (loaded[0].Readings, loaded[0].CalibratedAt));
        Assert.Equal(2, deleted); // both models' calibrations of esp32-01
        Assert.Equal(["esp32-02"], store.LoadCalibrations("default@1").Select(c => c.SensorId));
    }

    public void Dispose() => _temp.Dispose();
}
