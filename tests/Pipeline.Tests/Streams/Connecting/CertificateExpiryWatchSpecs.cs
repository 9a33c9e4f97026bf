using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Models.Security;
using Pipeline.Streams.Connecting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Connecting;

public sealed class CertificateExpiryWatchSpecs : IDisposable
{
    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    [Fact]
    public void Should_warn_about_each_certificate_that_expires_within_30_days_with_the_command_that_renews_it()
    {
        using (var ca = CertificateAuthority.Open(_pki.CertsDirectory))
        {
            ca.Issue("esp32-soon", IdentityRole.Device, days: 12).Dispose();
        }

        var logger = new TestLogger<CertificateExpiryWatch>();
        var watch = new CertificateExpiryWatch(Options.Create(new MqttOptions { CertsDirectory = _pki.CertsDirectory }), TimeProvider.System, logger);

        var expiring = watch.Check();

        // The PKI's expired device is flagged too; the revoked one is not (it is no longer in use).
        Assert.Equal(["esp32-expired.crt", "esp32-soon.crt"], expiring.Select(c => c.File).Order(StringComparer.Ordinal));
        Assert.Equal(expiring, watch.Expiring);
        Assert.Contains(logger.At(LogLevel.Warning), m => m.Contains("esp32-soon.crt", StringComparison.Ordinal)
            && m.Contains("days left", StringComparison.Ordinal) && m.Contains("'pipeline certs renew esp32-soon'", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_warn_when_the_nodes_own_certificate_is_not_issued_by_its_ca()
    {
        // A node.crt copied from another folder, or left from a CA made again: the broker closes the connection right
        // after the TLS handshake and says why only in its own log.
        var logger = new TestLogger<CertificateExpiryWatch>();
        var watch = new CertificateExpiryWatch(Options.Create(new MqttOptions { CertsDirectory = _pki.CertsDirectory }), TimeProvider.System, logger);
        watch.Check();
        Assert.DoesNotContain(logger.At(LogLevel.Warning), m => m.Contains("The node's certificate", StringComparison.Ordinal));
        foreach (var file in new[] { "node.crt", "node.key" })
        {
            File.Copy(Path.Combine(_pki.ForeignDirectory, file), Path.Combine(_pki.CertsDirectory, file), overwrite: true);
        }

        watch.Check();

        var warning = Assert.Single(logger.At(LogLevel.Warning), m => m.Contains("The node's certificate", StringComparison.Ordinal));
        Assert.Contains("node.crt is not issued by the CA in", warning, StringComparison.Ordinal);
        Assert.Contains("'pipeline certs issue node --role node --force'", warning, StringComparison.Ordinal);
        Assert.False(Assert.Single(CertificateInventory.List(_pki.Folder), c => c.File == "node.crt").IssuedByCa);
        Assert.All(CertificateInventory.List(_pki.Folder).Where(c => c.File != "node.crt"), c => Assert.True(c.IssuedByCa, c.File));
    }

    [Fact]
    public void Should_warn_when_the_nodes_own_certificate_is_revoked()
    {
        using (var ca = CertificateAuthority.Open(_pki.CertsDirectory))
        {
            ca.Revoke("node");
        }

        var logger = new TestLogger<CertificateExpiryWatch>();
        new CertificateExpiryWatch(Options.Create(new MqttOptions { CertsDirectory = _pki.CertsDirectory }), TimeProvider.System, logger).Check();

        Assert.Contains(logger.At(LogLevel.Warning), m => m.Contains("node.crt is revoked in crl.pem", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_stop_warning_once_the_certificate_is_renewed()
    {
        using (var ca = CertificateAuthority.Open(_pki.CertsDirectory))
        {
            ca.Issue("esp32-soon", IdentityRole.Device, days: 12).Dispose();
            ca.Renew("esp32-soon", days: 400).Dispose();
        }

        var watch = new CertificateExpiryWatch(Options.Create(new MqttOptions { CertsDirectory = _pki.CertsDirectory }), TimeProvider.System, new TestLogger<CertificateExpiryWatch>());

        Assert.DoesNotContain(watch.Check(), c => c.File == "esp32-soon.crt");
    }

    public void Dispose() => _pki.Dispose();
}
