using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Pipeline.Models.Security;

namespace Pipeline.Streams.Brokering;

/// <summary>
/// The broker's server certificate, reread when <c>server.crt</c> changes (<c>pipeline certs renew server</c>): every
/// TLS handshake asks for it, so a renewed certificate is in use from the next connection on, without a restart. A file
/// that cannot be read (half written, a key that no longer matches) keeps the previous certificate, with a warning.
/// </summary>
public sealed class ServerCertificateSource(PkiFolder folder, ILogger logger) : IDisposable
{
    private readonly Lock _gate = new();
    private (DateTime WrittenAt, X509Certificate2 Certificate)? _loaded;

    public X509Certificate2 Current
    {
        get
        {
            var writtenAt = File.GetLastWriteTimeUtc(folder.ServerCertificate);
            lock (_gate)
            {
                if (_loaded is { } loaded && loaded.WrittenAt == writtenAt)
                {
                    return loaded.Certificate;
                }

                try
                {
                    var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(folder.ServerCertificate), PrivateKeyFile.Read(folder.ServerKey));
                    if (_loaded is not null)
                    {
                        logger.LogInformation("Server certificate reloaded from {File}: serial {Serial}, valid until {NotAfter:u}",
                            folder.ServerCertificate, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime());
                    }

                    _loaded = (writtenAt, certificate);
                    return certificate;
                }
                catch (Exception e) when (_loaded is not null && e is IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    logger.LogWarning("Could not reload the server certificate from {File} ({Reason}); still presenting serial {Serial}",
                        folder.ServerCertificate, e.Message, _loaded.Value.Certificate.SerialNumber);
                    _loaded = (writtenAt, _loaded.Value.Certificate);
                    return _loaded.Value.Certificate;
                }
            }
        }
    }

    public void Dispose() => _loaded?.Certificate.Dispose();
}
