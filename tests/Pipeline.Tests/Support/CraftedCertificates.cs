using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pipeline.Models.Security;

namespace Pipeline.Tests.Support;

/// <summary>
/// Certificates signed with our CA's key that <c>pipeline certs</c> never makes — what someone holding the key (or a
/// careless script with openssl) could produce — for the brokers' defence in depth.
/// </summary>
public static class CraftedCertificates
{
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static void Write(string certsDirectory, string outDirectory, string withoutUsage, string caLeaf, string twoNames)
    {
        Directory.CreateDirectory(outDirectory);
        File.Copy(Path.Combine(certsDirectory, "ca.crt"), Path.Combine(outDirectory, "ca.crt"), overwrite: true);
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(certsDirectory, "ca.crt")), File.ReadAllText(Path.Combine(certsDirectory, "ca.key")));
        Write(ca, outDirectory, withoutUsage, Subject(withoutUsage), usage: false, isCa: false);
        Write(ca, outDirectory, caLeaf, Subject(caLeaf), usage: true, isCa: true);
        var both = new X500DistinguishedNameBuilder();
        both.AddOrganizationName("Pipeline");
        both.AddOrganizationalUnitName("device");
        both.AddCommonName(twoNames);
        both.AddCommonName(PkiFolder.NodeIdentity);
        Write(ca, outDirectory, twoNames, both.Build(), usage: true, isCa: false);
    }

    private static X500DistinguishedName Subject(string name)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("Pipeline");
        subject.AddOrganizationalUnitName("device");
        subject.AddCommonName(name);
        return subject.Build();
    }

    private static void Write(X509Certificate2 ca, string directory, string name, X500DistinguishedName subject, bool usage, bool isCa)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        if (usage)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuth)], false));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = 0x41;
        using var generator = ca.GetECDsaPrivateKey() is { } ecdsa
            ? new Signer(ecdsa, X509SignatureGenerator.CreateForECDsa(ecdsa))
            : new Signer(ca.GetRSAPrivateKey()!, X509SignatureGenerator.CreateForRSA(ca.GetRSAPrivateKey()!, RSASignaturePadding.Pkcs1));
        using var certificate = request.Create(ca.SubjectName, generator.Generator, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30), serial);
        File.WriteAllText(Path.Combine(directory, name + ".crt"), certificate.ExportCertificatePem());
        PrivateKeyFile.Write(Path.Combine(directory, name + ".key"), key.ExportPkcs8PrivateKeyPem());
    }

    private sealed class Signer(AsymmetricAlgorithm key, X509SignatureGenerator generator) : IDisposable
    {
        public X509SignatureGenerator Generator { get; } = generator;

        public void Dispose() => key.Dispose();
    }
}
