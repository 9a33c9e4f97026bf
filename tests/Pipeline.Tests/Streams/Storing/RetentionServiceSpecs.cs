using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Models.Detection;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Storing;

public sealed class RetentionServiceSpecs : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Should_delete_the_readings_verdicts_and_rejects_past_the_retention_and_keep_the_rest()
    {
        var now = DateTimeOffset.UtcNow;
        var options = await SeedAsync(now.AddDays(-40), now);

        await RetainUntilAsync(options, TimeProvider.System, left: 3);

        Assert.Equal([2, 2], [NodeDatabase.Scalar(options.Path, "SELECT seq FROM readings"), NodeDatabase.Scalar(options.Path, "SELECT last_seq FROM verdicts")]);
    }

    [Fact]
    public async Task Should_count_age_from_the_newest_reading_when_the_node_clock_jumps_years_ahead()
    {
        var now = DateTimeOffset.UtcNow;
        var options = await SeedAsync(now.AddDays(-40), now);
        var logger = new TestLogger<RetentionService>();

        await RetainUntilAsync(options, new ClockAt(now.AddYears(5)), left: 3, logger);

        Assert.Equal([2, 2], [NodeDatabase.Scalar(options.Path, "SELECT seq FROM readings"), NodeDatabase.Scalar(options.Path, "SELECT last_seq FROM verdicts")]);
        Assert.Contains(logger.At(LogLevel.Warning), message => message.Contains("ahead of the newest stored reading", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, 30)]
    [InlineData(2, 30)]
    [InlineData(-2, 32)]
    public void Should_cut_the_retention_before_the_earlier_of_the_clock_and_the_newest_reading(int newestDaysAfterNow, int cutDaysBeforeNow)
    {
        var now = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(now.AddDays(-cutDaysBeforeNow), RetentionService.Cutoff(now, now.AddDays(newestDaysAfterNow), TimeSpan.FromDays(30)));
        Assert.Equal(now.AddDays(-30), RetentionService.Cutoff(now, null, TimeSpan.FromDays(30)));
    }

    /// <summary>A store holding, at each time, a reading, its verdict and a reject (readings numbered 1, 2, ...).</summary>
    private async Task<StoreOptions> SeedAsync(params DateTimeOffset[] times)
    {
        var options = new StoreOptions { Path = _temp.Combine("pipeline.db"), Retention = TimeSpan.FromDays(30) };
        using var store = PipelineStore.Open(options);
        for (var seq = 1; seq <= times.Length; seq++)
        {
            var at = times[seq - 1];
            var verdict = new Verdict("s", seq, seq, at.ToUnixTimeMilliseconds() - 59_000, at.ToUnixTimeMilliseconds(), 0.5f, [0.1f], ["flow"], 1f, false, "m@1", [0f]);
            await store.Readings.WriteAsync([Telemetry.Reading("s", seq, at)], [new RejectedMessage(at, "t", RejectReason.NotJson, "d", new byte[] { 1 })], at, default);
            await store.Verdicts.WriteVerdictsAsync([verdict], default);
        }

        return options;
    }

    /// <summary>Runs retention on the store until <paramref name="left"/> rows remain in its three tables.</summary>
    private static async Task RetainUntilAsync(StoreOptions options, TimeProvider clock, int left, TestLogger<RetentionService>? logger = null)
    {
        using var store = PipelineStore.Open(options);
        using var retention = new RetentionService(store.Readings, store.Verdicts, Options.Create(options), clock, logger ?? new TestLogger<RetentionService>());
        await retention.StartAsync(default);
        long Count(string table) => NodeDatabase.Scalar(options.Path, $"SELECT count(*) FROM {table}");
        await Eventually.HoldsAsync(() => Count("readings") + Count("verdicts") + Count("rejects") == left, TimeSpan.FromSeconds(10),
            () => $"readings {Count("readings")}, verdicts {Count("verdicts")}, rejects {Count("rejects")} left");
        await retention.StopAsync(default);
    }

    /// <summary>A node clock standing at one time.</summary>
    private sealed class ClockAt(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
