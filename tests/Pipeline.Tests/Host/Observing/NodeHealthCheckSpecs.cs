using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Host.Observing;
using Pipeline.Models.Security;
using Pipeline.Streams.Connecting;
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

    public void Dispose() => _pki.Dispose();

    private sealed class Later(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }
}
