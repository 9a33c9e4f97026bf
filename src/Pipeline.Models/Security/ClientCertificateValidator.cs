using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Models.Security;

/// <summary>
/// Decides whether a client certificate may connect: chained to our CA only (never the OS store), within its
/// validity, issued for clientAuth, carrying a valid identity, and not in the CRL. The CRL is re-read when the file
/// changes, so <c>pipeline certs revoke</c> takes effect without a restart.
/// </summary>
public sealed class ClientCertificateValidator
{
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationalUnitOid = "2.5.4.11";

    private readonly X509Certificate2 _ca;
    private readonly string _crlPath;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private (DateTime WrittenAt, long Length, RevocationList List)? _crl;

    public ClientCertificateValidator(X509Certificate2 ca, string crlPath, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentException.ThrowIfNullOrEmpty(crlPath);
        _ca = ca;
        _crlPath = crlPath;
        _time = time ?? TimeProvider.System;
        _ = CurrentRevocationList(); // a missing or forged CRL is a start-up error, not a surprise at the first client
    }

    public static ClientCertificateValidator ForFolder(PkiFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return new ClientCertificateValidator(X509CertificateLoader.LoadCertificateFromFile(folder.CaCertificate), folder.RevocationList);
    }

    /// <summary>The identity when the certificate is acceptable; otherwise null and the reason.</summary>
    public ClientIdentity? Validate(X509Certificate2? certificate, out string? error)
    {
        if (certificate is null)
        {
            error = "no client certificate was presented";
            return null;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // our CRL is checked below
        chain.ChainPolicy.VerificationTime = _time.GetLocalNow().DateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuth));
        if (!chain.Build(certificate))
        {
            var statuses = chain.ChainStatus.Select(s => s.Status).Distinct().ToArray();
            error = statuses.Contains(X509ChainStatusFlags.NotTimeValid)
                ? $"certificate '{certificate.Subject}' is outside its validity ({certificate.NotBefore:u} to {certificate.NotAfter:u})"
                : $"certificate '{certificate.Subject}' does not chain to the Pipeline CA for clientAuth ({string.Join(", ", statuses)})";
            return null;
        }

        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(_ca.RawDataMemory.Span))
        {
            error = $"certificate '{certificate.Subject}' chains to '{root.Subject}', not to the Pipeline CA";
            return null;
        }

        if (CurrentRevocationList().IsRevoked(certificate))
        {
            error = $"certificate '{certificate.Subject}' (serial {certificate.SerialNumber}) is revoked";
            return null;
        }

        error = LeafProblem(certificate);
        return error is null ? ClientIdentity.FromCertificate(certificate, out error) : null;
    }

    /// <summary>Whether the CRL (reread when its file changes) lists <paramref name="certificate"/>.</summary>
    public bool IsRevoked(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return CurrentRevocationList().IsRevoked(certificate);
    }

    /// <summary>
    /// What our CA never issues, so what nobody holding its key by mistake or on purpose gets to use: a certificate
    /// without the clientAuth usage stated (X.509 reads a missing extended key usage as "any use"), one that is itself a
    /// CA, and one whose subject names more than one CN or role (brokers differ in which they would read).
    /// </summary>
    private static string? LeafProblem(X509Certificate2 certificate)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault();
        if (usages is null || !usages.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == ClientAuth))
        {
            return $"certificate '{certificate.Subject}' does not state the clientAuth usage";
        }

        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().SingleOrDefault() is { CertificateAuthority: true })
        {
            return $"certificate '{certificate.Subject}' is a CA certificate, not a client's";
        }

        var names = certificate.SubjectName.EnumerateRelativeDistinguishedNames().Select(n => n.GetSingleElementType().Value).ToList();
        return names.Count(o => o == CommonNameOid) != 1 || names.Count(o => o == OrganizationalUnitOid) != 1
            ? $"certificate '{certificate.Subject}' must name exactly one CN and one OU"
            : null;
    }

    private RevocationList CurrentRevocationList()
    {
        var info = new FileInfo(_crlPath);
        lock (_gate)
        {
            if (_crl is { } cached && info.Exists && cached.WrittenAt == info.LastWriteTimeUtc && cached.Length == info.Length)
            {
                return cached.List;
            }

            var list = RevocationList.Load(_crlPath, _ca);
            _crl = (info.LastWriteTimeUtc, info.Length, list);
            return list;
        }
    }
}
