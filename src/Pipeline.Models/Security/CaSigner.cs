using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Models.Security;

/// <summary>The CA's key at work: it signs leaf certificates and CRLs. What to sign and where it goes is <see cref="CertificateAuthority"/>'s.</summary>
internal sealed class CaSigner(X509Certificate2 ca, TimeProvider time)
{
    private KeyAlgorithm KeyAlgorithm => KeyAlgorithms.Of(ca);

    /// <summary>Signs <paramref name="request"/> with a fresh random serial; no leaf outlives the CA.</summary>
    public X509Certificate2 Sign(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(request);
        var end = notAfter > ca.NotAfter ? new DateTimeOffset(ca.NotAfter.ToUniversalTime(), TimeSpan.Zero) : notAfter;
        using var generator = SignatureGenerator();
        return request.Create(ca.SubjectName, generator.Generator, notBefore, end, NewSerial());
    }

    public void WriteRevocationList(string path, CertificateRevocationListBuilder builder, BigInteger number)
    {
        // The CRL's nextUpdate is the CA's end of life: OpenSSL (Mosquitto) rejects every client once a CRL has
        // expired, and a node on a pipe is better served by a CRL that never lapses than by one that must be re-signed.
        var crl = builder.Build(
            ca,
            number,
            new DateTimeOffset(ca.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            HashAlgorithmName.SHA256,
            KeyAlgorithm == KeyAlgorithm.Rsa2048 ? RSASignaturePadding.Pkcs1 : null,
            time.GetUtcNow().AddMinutes(-5));
        // Replaced in one step: a broker rereading it meanwhile sees the old list or the new one, never half of one.
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(temporary, PemEncoding.WriteString("X509 CRL", crl) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    private SignatureGeneratorLease SignatureGenerator()
    {
        if (ca.GetRSAPrivateKey() is { } rsa)
        {
            return new SignatureGeneratorLease(rsa, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1));
        }

        var ecdsa = ca.GetECDsaPrivateKey() ?? throw new CryptographicException("The CA certificate has no usable private key.");
        return new SignatureGeneratorLease(ecdsa, X509SignatureGenerator.CreateForECDsa(ecdsa));
    }

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40); // positive, no leading zero byte
        return serial;
    }

    private sealed class SignatureGeneratorLease(AsymmetricAlgorithm key, X509SignatureGenerator generator) : IDisposable
    {
        public X509SignatureGenerator Generator { get; } = generator;

        public void Dispose() => key.Dispose();
    }
}
