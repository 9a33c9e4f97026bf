using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Models.Security;

/// <summary>Key types the PKI issues. RSA 2048 matches today's nodes; ECDSA P-256 makes ESP32 handshakes much cheaper.</summary>
public enum KeyAlgorithm
{
    Rsa2048,
    EcdsaP256,
}

public static class KeyAlgorithms
{
    /// <summary>The names the CLI accepts.</summary>
    public static readonly IReadOnlyList<string> Names = ["rsa2048", "ecdsa-p256"];

    public static string ToName(this KeyAlgorithm algorithm) => algorithm == KeyAlgorithm.Rsa2048 ? "rsa2048" : "ecdsa-p256";

    public static KeyAlgorithm Parse(string text) => TryParse(text, out var algorithm)
        ? algorithm
        : throw new ArgumentException($"Unknown key type '{text}'; use {string.Join(" or ", Names)}.", nameof(text));

    public static bool TryParse(string? text, out KeyAlgorithm algorithm)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "rsa2048" or "rsa": algorithm = KeyAlgorithm.Rsa2048; return true;
            case "ecdsa-p256" or "ecdsa" or "p256": algorithm = KeyAlgorithm.EcdsaP256; return true;
            default: algorithm = default; return false;
        }
    }

    internal static AsymmetricAlgorithm CreateKey(this KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.Rsa2048 => RSA.Create(2048),
        KeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>An ECDSA or RSA private key from its PEM (PKCS#8, as the PKI writes them).</summary>
    internal static AsymmetricAlgorithm LoadKey(string pem)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            return ecdsa;
        }
        catch (CryptographicException)
        {
            ecdsa.Dispose();
        }

        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }

    internal static KeyAlgorithm Of(X509Certificate2 certificate) =>
        certificate.GetKeyAlgorithm() == "1.2.840.10045.2.1" ? KeyAlgorithm.EcdsaP256 : KeyAlgorithm.Rsa2048;

    internal static CertificateRequest CreateRequest(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
        _ => throw new NotSupportedException($"key type {key.GetType().Name} is not supported"),
    };
}
