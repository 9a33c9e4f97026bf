using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pipeline.Models.Security;

namespace Pipeline.Tests.Models.Security;

public sealed class CertificateInventorySpecs
{
    [Fact]
    public void Should_tell_the_issuer_by_its_key_not_its_name_also_for_certificates_without_key_identifiers()
    {
        // Two CAs of the same name, as two runs of 'certs init' make: key identifiers where present, the chain where not.
        using var ours = Ca(withKeyIdentifiers: true);
        using var theirs = Ca(withKeyIdentifiers: true);
        using var oursPlain = Ca(withKeyIdentifiers: false);
        using var theirsPlain = Ca(withKeyIdentifiers: false);

        using var leaf = Leaf(ours, withKeyIdentifier: true);
        using var plainLeaf = Leaf(oursPlain, withKeyIdentifier: false);

        Assert.True(CertificateInventory.IssuedBy(leaf, ours));
        Assert.False(CertificateInventory.IssuedBy(leaf, theirs));
        Assert.True(CertificateInventory.IssuedBy(plainLeaf, oursPlain));
        Assert.False(CertificateInventory.IssuedBy(plainLeaf, theirsPlain));
        Assert.True(CertificateInventory.IssuedBy(ours, ours));
    }

    private static X509Certificate2 Ca(bool withKeyIdentifiers)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Pipeline Root CA, OU=ca, O=Pipeline", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        if (withKeyIdentifiers)
        {
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        }

        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Leaf(X509Certificate2 ca, bool withKeyIdentifier)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=node, OU=node, O=Pipeline", key, HashAlgorithmName.SHA256);
        if (withKeyIdentifier)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        }

        using var signer = ca.GetECDsaPrivateKey()!;
        return request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(signer), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
    }
}
