using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Models.Security;

/// <summary>
/// A CRL read back and checked against its issuing CA. .NET can build CRLs
/// (<see cref="CertificateRevocationListBuilder"/>) but on Linux only consults them through a URL cache, so the
/// embedded broker and <c>certs list</c> read ours directly.
/// </summary>
public sealed class RevocationList
{
    private const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    private const string Sha384WithRsa = "1.2.840.113549.1.1.12";
    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    private const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";

    private readonly HashSet<string> _revokedSerials;

    private RevocationList(DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, HashSet<string> revokedSerials)
    {
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revokedSerials = revokedSerials;
    }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public IReadOnlyCollection<string> RevokedSerials => _revokedSerials;

    public bool IsRevoked(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return _revokedSerials.Contains(NormalizeSerial(certificate.SerialNumberBytes.Span));
    }

    /// <summary>Reads <paramref name="path"/> (PEM) and verifies that <paramref name="issuer"/> signed it.</summary>
    public static RevocationList Load(string path, X509Certificate2 issuer)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CRL '{path}' does not exist; 'pipeline certs init' creates it.", path);
        }

        try
        {
            return Parse(ReadPem(File.ReadAllText(path)), issuer);
        }
        catch (Exception e) when (e is InvalidDataException or AsnContentException or FormatException or CryptographicException)
        {
            throw new InvalidDataException($"CRL '{path}' cannot be used: {e.Message}", e);
        }
    }

    private static byte[] ReadPem(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || !pem.AsSpan()[fields.Label].SequenceEqual("X509 CRL"))
        {
            throw new InvalidDataException("it holds no '-----BEGIN X509 CRL-----' block");
        }

        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    /// <summary>Parses a DER CRL and verifies its signature with <paramref name="issuer"/>'s public key.</summary>
    public static RevocationList Parse(ReadOnlyMemory<byte> der, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);

        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbsBytes = outer.PeekEncodedValue();
        var tbs = outer.ReadSequence();
        var signatureAlgorithm = outer.ReadSequence().ReadObjectIdentifier();
        var signature = outer.ReadBitString(out _);

        if (!VerifySignature(issuer, signatureAlgorithm, tbsBytes.Span, signature))
        {
            throw new InvalidDataException($"its signature does not verify with the CA '{issuer.Subject}'");
        }

        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger(); // version
        }

        tbs.ReadSequence(); // signature algorithm, repeated inside the signed part
        var issuerName = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        if (!issuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            throw new InvalidDataException($"it was issued by '{issuerName.Name}', not by the CA '{issuer.Subject}'");
        }

        var thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = null;
        if (tbs.HasData && IsTime(tbs.PeekTag()))
        {
            nextUpdate = ReadTime(tbs);
        }

        var serials = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                serials.Add(NormalizeSerial(entry.ReadIntegerBytes().Span));
            }
        }

        return new RevocationList(thisUpdate, nextUpdate, serials);
    }

    private static bool VerifySignature(X509Certificate2 issuer, string algorithm, ReadOnlySpan<byte> data, byte[] signature)
    {
        switch (algorithm)
        {
            case Sha256WithRsa or Sha384WithRsa:
                using (var rsa = issuer.GetRSAPublicKey())
                {
                    return rsa is not null && rsa.VerifyData(data, signature,
                        algorithm == Sha256WithRsa ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
                }

            case EcdsaWithSha256 or EcdsaWithSha384:
                using (var ecdsa = issuer.GetECDsaPublicKey())
                {
                    return ecdsa is not null && ecdsa.VerifyData(data, signature,
                        algorithm == EcdsaWithSha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384,
                        DSASignatureFormat.Rfc3279DerSequence);
                }

            default:
                throw new InvalidDataException($"signature algorithm {algorithm} is not supported");
        }
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    /// <summary>Upper-case hex of the serial's magnitude, without leading zero bytes.</summary>
    /// <remarks>Both X509Certificate2.SerialNumberBytes and a DER INTEGER are big-endian; only a sign byte may differ.</remarks>
    internal static string NormalizeSerial(ReadOnlySpan<byte> serial)
    {
        var start = 0;
        while (start < serial.Length - 1 && serial[start] == 0)
        {
            start++;
        }

        return Convert.ToHexString(serial[start..]);
    }
}
