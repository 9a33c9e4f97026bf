using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Host.Observing;
using Pipeline.Models.Security;
using Pipeline.Streams.Connecting;
using Pipeline.Streams.Ingesting;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Observing;

public sealed class NodeHealthCheckSpecs : IDisposable
{
    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256); // ECDSA keys: quick to make, and the key type does not matter here

    [Theory]
    [InlineData(0, "Degraded")] // the test PKI holds an expired device certificate: to renew, but the node works
    [InlineData(820, "Degraded")] // the server and node certificates (825 days) have 5 days left: still ready
    [InlineData(900, "Unhealthy")] // the node's own have expired
    public async Task Should_report_certificates_that_expire_soon_as_degraded_and_expired_ones_as_unhealthy(int daysAhead, string status)
    {
        var watch = new CertificateExpiryWatch(Options.Create(new MqttOptions { CertsDirectory = _pki.CertsDirectory }),
            new Later(TimeSpan.FromDays(daysAhead)), NullLogger<CertificateExpiryWatch>.Instance);
        watch.Check();

        var result = await new CertificateExpiryCheck(watch, Options.Create(new MqttOptions())).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(status, result.Status.ToString());
        Assert.Contains(daysAhead == 0 ? "esp32-expired (expired)" : "server (", result.Description, StringComparison.Ordinal);
        Assert.Contains("pipeline certs renew", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_report_a_store_locked_by_another_connection_as_unhealthy_until_it_lets_go()
    {
        using var folder = new TempDirectory();
        var options = new StoreOptions { Path = folder.Combine("pipeline.db"), BusyTimeout = TimeSpan.FromMilliseconds(200) };
        using var store = PipelineStore.Open(options);
        var check = new StoreWritableCheck(store);
        using var other = new SqliteConnection($"Data Source={options.Path};Pooling=False");
        other.Open();
        var hold = other.BeginTransaction(deferred: false);

        var write = store.Readings.WriteAsync([Telemetry.Reading("s", 1)], [], DateTimeOffset.UtcNow, default);
        await Eventually.HoldsAsync(() => store.LockedSince is not null, TimeSpan.FromSeconds(10), () => "the write never met the lock");
        var whileLocked = await check.CheckHealthAsync(new HealthCheckContext());
        hold.Commit();
        hold.Dispose();
        await write.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HealthStatus.Unhealthy, whileLocked.Status);
        Assert.Contains("locked by another connection since", whileLocked.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public void Should_call_the_ingest_stream_stuck_when_it_acknowledged_nothing_for_a_minute_with_messages_in_flight()
    {
        // A node whose stream waited for good on an acknowledgement MQTTnet never completed read "Healthy" for minutes.
        var stuck = IngestMovingCheck.Stuck(9194, TimeSpan.FromMinutes(5), whyDeaf: null);

        Assert.Contains("9194 messages in flight and none acknowledged for 300 s", stuck, StringComparison.Ordinal);
        Assert.Null(IngestMovingCheck.Stuck(0, TimeSpan.FromMinutes(5), whyDeaf: null)); // a quiet fleet
        Assert.Null(IngestMovingCheck.Stuck(9194, TimeSpan.FromSeconds(30), whyDeaf: null)); // a busy broker's pause
        Assert.Null(IngestMovingCheck.Stuck(9194, TimeSpan.FromMinutes(5), "the node is not connected to the broker")); // the broker's check says so
    }

    [Fact]
    public async Task Should_count_the_time_since_the_stream_last_acknowledged_a_message()
    {
        var metrics = new IngestMetrics();
        metrics.OnReceived();

        await Eventually.HoldsAsync(() => metrics.SinceAcknowledged > TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), () => $"{metrics.SinceAcknowledged}");
        metrics.OnAcknowledged(1);

        Assert.True(metrics.SinceAcknowledged < TimeSpan.FromMilliseconds(200), $"{metrics.SinceAcknowledged} after an acknowledgement");
    }

    public void Dispose() => _pki.Dispose();

    private sealed class Later(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }
}
