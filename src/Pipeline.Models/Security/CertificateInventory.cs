using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Models.Security;

/// <summary>
/// The certificates in a PKI folder with their expiry and revocation: what <c>pipeline certs list</c> prints and what
/// the node warns about at start and daily. Needs the CA's certificate, not its key, so a node can run it on its own
/// folder.
/// </summary>
public static class CertificateInventory
{
    /// <summary>Every <c>*.crt</c> of the folder (the CA's too), by file name.</summary>
    public static IReadOnlyList<CertificateSummary> List(PkiFolder folder, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(folder.ExistingCaCertificate());
        var crl = File.Exists(folder.RevocationList) ? RevocationList.Load(folder.RevocationList, ca) : null;
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var summaries = new List<CertificateSummary>();
        foreach (var path in Directory.EnumerateFiles(folder.Directory, "*.crt").Order(StringComparer.Ordinal))
        {
            using var certificate = X509CertificateLoader.LoadCertificateFromFile(path);
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            summaries.Add(new CertificateSummary(
                Path.GetFileName(path),
                certificate.GetNameInfo(X509NameType.SimpleName, false),
                ClientIdentity.OrganizationalUnit(certificate) ?? "unknown",
                certificate.SerialNumber,
                notAfter,
                (int)Math.Floor((notAfter - now).TotalDays),
                crl?.IsRevoked(certificate) ?? false,
                IssuedBy(certificate, ca)));
        }

        return summaries;
    }

    /// <summary>
    /// Whether the certificate was issued by the folder's CA (or is it): one from another CA — copied from another
    /// node's folder, left from a CA made again with <c>--force</c> — is refused by a broker that trusts this one. Told
    /// by the CA's key identifier where both carry one (every CA of <c>pipeline certs init</c> has the same name, not
    /// the same key): a check for a person, not a gate — the broker verifies the signature — and building a chain for
    /// each of a 10,000-device folder's certificates doubled <c>certs list</c>'s 3.2 s. Expiry and revocation are
    /// reported on their own.
    /// </summary>
    public static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(ca);
        if (certificate.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
        {
            return true;
        }

        if (certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier is { } authority
            && ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes is { } subject)
        {
            return certificate.IssuerName.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData) && authority.Span.SequenceEqual(subject.Span);
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        return chain.Build(certificate);
    }
}
