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
