using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Host.Observing;
using Pipeline.Models.Security;
using Pipeline.Streams.Connecting;
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

    public void Dispose() => _pki.Dispose();

    private sealed class Later(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }
}
