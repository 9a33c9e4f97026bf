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
        var options = new StoreOptions { Path = _temp.Combine("pipeline.db"), Retention = TimeSpan.FromDays(30) };
        using var store = PipelineStore.Open(options);
        var now = DateTimeOffset.UtcNow;
        foreach (var at in new[] { now.AddDays(-40), now })
        {
            var verdict = new Verdict("s", 1, 60, at.ToUnixTimeMilliseconds() - 59_000, at.ToUnixTimeMilliseconds(), 0.5f, [0.1f], ["flow"], 1f, false, "m@1", [0f]);
            var seq = at == now ? 2 : 1;
            await store.Readings.WriteAsync([Telemetry.Reading("s", seq, at)], [new RejectedMessage(at, "t", RejectReason.NotJson, "d", new byte[] { 1 })], at, default);
            await store.Verdicts.WriteVerdictsAsync([verdict with { LastSequence = seq }], default);
        }

        using var retention = new RetentionService(store.Readings, store.Verdicts, Options.Create(options), TimeProvider.System, new TestLogger<RetentionService>());
        await retention.StartAsync(default);
        long Count(string table) => NodeDatabase.Scalar(options.Path, $"SELECT count(*) FROM {table}");
        await Eventually.HoldsAsync(() => Count("readings") + Count("verdicts") + Count("rejects") == 3, TimeSpan.FromSeconds(10),
            () => $"readings {Count("readings")}, verdicts {Count("verdicts")}, rejects {Count("rejects")} left");
        await retention.StopAsync(default);

        Assert.Equal([2, 2], [NodeDatabase.Scalar(options.Path, "SELECT seq FROM readings"), NodeDatabase.Scalar(options.Path, "SELECT last_seq FROM verdicts")]);
    }
}
