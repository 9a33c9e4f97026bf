using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Models.Security;

namespace Pipeline.Streams.Connecting;

/// <summary>
/// Looks at every certificate in the node's PKI folder — the CA's, the broker's, the node's own and any device's kept
/// there — at start and then daily, and warns about each one that expires within
/// <see cref="CertificateSummary.WarnDays"/> days (or has expired) with the command that renews it. What it found is
/// <see cref="Expiring"/>, for the node's health view.
/// </summary>
public sealed class CertificateExpiryWatch(IOptions<MqttOptions> options, TimeProvider time, ILogger<CertificateExpiryWatch> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    private volatile IReadOnlyList<CertificateSummary> _expiring = [];

    /// <summary>The certificates that expire soon or have expired, as of the last look.</summary>
    public IReadOnlyList<CertificateSummary> Expiring => _expiring;

    /// <summary>Looks now; returns what expires soon.</summary>
    public IReadOnlyList<CertificateSummary> Check()
    {
        var folder = new PkiFolder(options.Value.CertsDirectory);
        var certificates = CertificateInventory.List(folder, time);
        var expiring = certificates.Where(c => c.ExpiresSoon).ToList();
        foreach (var certificate in expiring)
        {
            var name = Path.GetFileNameWithoutExtension(certificate.File);
            var renew = name == "ca" ? "make a new CA with 'pipeline certs init --force' and issue every identity again" : $"renew it with 'pipeline certs renew {name}'";
            logger.LogWarning("Certificate {File} ({Name}) {Expires} {NotAfter:u} ({Days} days left); {Renew}",
                certificate.File, certificate.Name, certificate.Expired ? "expired on" : "expires on", certificate.NotAfter, certificate.DaysLeft, renew);
        }

        // The node's own identity, which the broker checks at each connect: a refused one shows there only as a
        // connection closed right after the TLS handshake.
        var own = $"{options.Value.Identity}.crt";
        foreach (var certificate in certificates.Where(c => c.File == own && (!c.IssuedByCa || c.Revoked)))
        {
            var identity = options.Value.Identity;
            logger.LogWarning("The node's certificate {File} is {What}: a broker that trusts that CA refuses it. {Fix}",
                Path.Combine(folder.Directory, certificate.File), certificate.Revoked ? "revoked in crl.pem" : $"not issued by the CA in {folder.CaCertificate}",
                $"Issue it again where the CA's key is ('pipeline certs issue {identity} --role node --force') and copy {identity}.crt and {identity}.key here");
        }

        _expiring = expiring;
        return expiring;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                Check();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or System.Security.Cryptography.CryptographicException)
            {
                logger.LogWarning("Could not check the certificates' expiry in {Folder}: {Reason}", options.Value.CertsDirectory, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
