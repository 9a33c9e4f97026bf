using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Pipeline.Models.Security;

/// <summary>
/// The private CA of a Pipeline installation: creates the root, the broker's server certificate and one client
/// certificate per identity (device, node, SCADA), revokes them through a signed CRL, and lists them.
/// Only <see cref="System.Security.Cryptography"/> is used — no openssl process.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public const int CaDays = 3650;
    public const int DefaultLeafDays = 825;

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string Organization = "Pipeline";

    private readonly X509Certificate2 _ca;
    private readonly TimeProvider _time;

    private CertificateAuthority(PkiFolder folder, X509Certificate2 ca, TimeProvider time)
    {
        Folder = folder;
        _ca = ca;
        _time = time;
    }

    public PkiFolder Folder { get; }

    public X509Certificate2 Certificate => _ca;

    public KeyAlgorithm KeyAlgorithm => KeyAlgorithms.Of(_ca);

    /// <summary>
    /// Creates <c>ca.crt/key</c>, <c>server.crt/key</c>, the node identity <c>node.crt/key</c> and an empty
    /// <c>crl.pem</c> in <paramref name="directory"/> (created 0700).
    /// </summary>
    public static CertificateAuthority Init(string directory, PkiInitOptions options, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        if (options.ServerIps.Count == 0 && options.ServerDnsNames.Count == 0)
        {
            throw new ArgumentException("The server certificate needs at least one --server-ip or --server-dns.", nameof(options));
        }

        ValidateDays(options.Days);
        var folder = new PkiFolder(directory);
        if (File.Exists(folder.CaCertificate) && !options.Force)
        {
            throw new IOException(
                $"A CA already exists in '{directory}'. Replacing it invalidates every certificate it issued; " +
                "pass --force to do so.");
        }

        CreatePrivateDirectory(directory);
        var now = time.GetUtcNow();
        using var caKey = options.Key.CreateKey();
        var request = KeyAlgorithms.CreateRequest(Subject("Pipeline Root CA", "ca"), caKey);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var selfSigned = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(CaDays));

        File.WriteAllText(folder.CaCertificate, selfSigned.ExportCertificatePem());
        PrivateKeyFile.Write(folder.CaKey, caKey.ExportPkcs8PrivateKeyPem());

        var authority = new CertificateAuthority(folder, X509Certificate2.CreateFromPem(
            selfSigned.ExportCertificatePem(), caKey.ExportPkcs8PrivateKeyPem()), time);
        authority.WriteRevocationList(new CertificateRevocationListBuilder(), BigInteger.One);
        authority.IssueServer(options);
        authority.Issue(PkiFolder.NodeIdentity, IdentityRole.Node, options.Days, force: options.Force).Dispose();
        return authority;
    }

    /// <summary>Opens an existing CA; its key must be readable by its owner only.</summary>
    public static CertificateAuthority Open(string directory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var folder = new PkiFolder(directory);
        if (!File.Exists(folder.CaCertificate))
        {
            throw new FileNotFoundException(
                $"No CA in '{directory}' (missing ca.crt). Create one with 'pipeline certs init --dir {directory}'.",
                folder.CaCertificate);
        }

        var keyPem = PrivateKeyFile.Read(folder.CaKey);
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(folder.CaCertificate), keyPem);
        return new CertificateAuthority(folder, ca, time ?? TimeProvider.System);
    }

    /// <summary>Issues a client certificate: CN = <paramref name="name"/>, OU = role, clientAuth.</summary>
    /// <param name="notBefore">Start of validity; defaults to now. Tests use the past to make expired certificates.</param>
    public X509Certificate2 Issue(
        string name,
        IdentityRole role,
        int days = DefaultLeafDays,
        KeyAlgorithm? key = null,
        DateTimeOffset? notBefore = null,
        bool force = false)
    {
        IdentityName.EnsureValid(name);
        ValidateDays(days);
        if (File.Exists(Folder.Certificate(name)) && !force)
        {
            throw new IOException($"'{name}' already has a certificate in '{Folder.Directory}'; revoke it first, or pass --force to replace it.");
        }

        return IssueLeaf(
            Subject(name, role.ToOrganizationalUnit()),
            key ?? KeyAlgorithm,
            days,
            notBefore,
            new X509EnhancedKeyUsageExtension([new Oid(ClientAuth)], false),
            subjectAlternativeName: null,
            Folder.Certificate(name),
            Folder.Key(name));
    }

    /// <summary>Adds <paramref name="name"/>'s certificate to <c>crl.pem</c>. Returns false when it was already revoked.</summary>
    public bool Revoke(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var path = name == "server" ? Folder.ServerCertificate : Folder.Certificate(IdentityName.EnsureValid(name));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No certificate '{path}' to revoke.", path);
        }

        using var certificate = X509CertificateLoader.LoadCertificateFromFile(path);
        if (LoadRevocationList().IsRevoked(certificate))
        {
            return false;
        }

        var builder = CertificateRevocationListBuilder.LoadPem(File.ReadAllText(Folder.RevocationList), out var number);
        builder.AddEntry(certificate, _time.GetUtcNow(), X509RevocationReason.CessationOfOperation);
        WriteRevocationList(builder, number + 1);
        return true;
    }

    public RevocationList LoadRevocationList() => RevocationList.Load(Folder.RevocationList, _ca);

    /// <summary>Every certificate in the folder, by name.</summary>
    public IReadOnlyList<CertificateSummary> List()
    {
        var crl = LoadRevocationList();
        var now = _time.GetUtcNow();
        var summaries = new List<CertificateSummary>();
        foreach (var path in Directory.EnumerateFiles(Folder.Directory, "*.crt").Order(StringComparer.Ordinal))
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
                crl.IsRevoked(certificate)));
        }

        return summaries;
    }

    /// <summary>
    /// A C header with the CA, the identity's certificate and its key as string literals, for an ESP32 MQTT client
    /// (ESP-IDF <c>esp_mqtt_client_config_t</c> or Arduino <c>WiFiClientSecure</c>).
    /// </summary>
    public string ExportEsp32Header(string name)
    {
        IdentityName.EnsureValid(name);
        var certificatePath = Folder.Certificate(name);
        if (!File.Exists(certificatePath))
        {
            throw new FileNotFoundException(
                $"No certificate for '{name}'. Issue one with 'pipeline certs issue {name} --dir {Folder.Directory}'.",
                certificatePath);
        }

        var certificatePem = File.ReadAllText(certificatePath);
        var keyPem = PrivateKeyFile.Read(Folder.Key(name));
        var caPem = File.ReadAllText(Folder.CaCertificate);
        var guard = "PIPELINE_" + new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray()) + "_H";

        var header = new StringBuilder()
            .AppendLine($"// {name}.h — generated by 'pipeline certs export-esp32 {name}'.")
            .AppendLine("// Contains this device's PRIVATE KEY: flash it, never commit or share it.")
            .AppendLine($"// The device publishes only to pipeline/{name}/telemetry (QoS 1, JSON; see docs/mqtt.md).")
            .AppendLine($"#ifndef {guard}")
            .AppendLine($"#define {guard}")
            .AppendLine()
            .AppendLine($"#define PIPELINE_DEVICE_ID \"{name}\"")
            .AppendLine($"#define PIPELINE_TELEMETRY_TOPIC \"pipeline/{name}/telemetry\"")
            .AppendLine();
        AppendLiteral(header, "PIPELINE_CA_CERT", caPem);
        AppendLiteral(header, "PIPELINE_DEVICE_CERT", certificatePem);
        AppendLiteral(header, "PIPELINE_DEVICE_KEY", keyPem);
        return header.AppendLine($"#endif // {guard}").ToString();
    }

    public void Dispose() => _ca.Dispose();

    private void IssueServer(PkiInitOptions options)
    {
        // The node itself reaches the broker over loopback: 127.0.0.1 and localhost are always in the SANs.
        var san = new SubjectAlternativeNameBuilder();
        foreach (var ip in options.ServerIps.Append(System.Net.IPAddress.Loopback).Distinct())
        {
            san.AddIpAddress(ip);
        }

        foreach (var dns in options.ServerDnsNames.Append("localhost").Distinct(StringComparer.OrdinalIgnoreCase))
        {
            san.AddDnsName(dns);
        }

        var commonName = options.ServerDnsNames.Count > 0 ? options.ServerDnsNames[0] : options.ServerIps[0].ToString();
        using var _ = IssueLeaf(
            Subject(commonName, "broker"),
            options.Key,
            options.Days,
            notBefore: null,
            new X509EnhancedKeyUsageExtension([new Oid(ServerAuth)], false),
            san.Build(),
            Folder.ServerCertificate,
            Folder.ServerKey);
    }

    private X509Certificate2 IssueLeaf(
        X500DistinguishedName subject,
        KeyAlgorithm algorithm,
        int days,
        DateTimeOffset? notBefore,
        X509EnhancedKeyUsageExtension usage,
        X509Extension? subjectAlternativeName,
        string certificatePath,
        string keyPath)
    {
        using var key = algorithm.CreateKey();
        var request = KeyAlgorithms.CreateRequest(subject, key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var keyUsage = key is RSA
            ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment
            : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        request.CertificateExtensions.Add(usage);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        if (subjectAlternativeName is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeName);
        }

        var start = notBefore ?? _time.GetUtcNow().AddMinutes(-5);
        var end = start.AddDays(days);
        if (end > _ca.NotAfter)
        {
            end = _ca.NotAfter;
        }

        using var generator = SignatureGenerator();
        using var issued = request.Create(_ca.SubjectName, generator.Generator, start, end, NewSerial());
        File.WriteAllText(certificatePath, issued.ExportCertificatePem());
        PrivateKeyFile.Write(keyPath, key.ExportPkcs8PrivateKeyPem());
        return X509Certificate2.CreateFromPem(issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private void WriteRevocationList(CertificateRevocationListBuilder builder, BigInteger number)
    {
        // The CRL's nextUpdate is the CA's end of life: OpenSSL (Mosquitto) rejects every client once a CRL has
        // expired, and a node on a pipe is better served by a CRL that never lapses than by one that must be re-signed.
        var crl = builder.Build(
            _ca,
            number,
            new DateTimeOffset(_ca.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            HashAlgorithmName.SHA256,
            KeyAlgorithm == KeyAlgorithm.Rsa2048 ? RSASignaturePadding.Pkcs1 : null,
            _time.GetUtcNow().AddMinutes(-5));
        File.WriteAllText(Folder.RevocationList, PemEncoding.WriteString("X509 CRL", crl) + "\n");
    }

    private SignatureGeneratorLease SignatureGenerator()
    {
        if (_ca.GetRSAPrivateKey() is { } rsa)
        {
            return new SignatureGeneratorLease(rsa, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1));
        }

        var ecdsa = _ca.GetECDsaPrivateKey() ?? throw new CryptographicException("The CA certificate has no usable private key.");
        return new SignatureGeneratorLease(ecdsa, X509SignatureGenerator.CreateForECDsa(ecdsa));
    }

    private static X500DistinguishedName Subject(string commonName, string unit)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(Organization);
        builder.AddOrganizationalUnitName(unit);
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40); // positive, no leading zero byte
        return serial;
    }

    private static void ValidateDays(int days)
    {
        if (days is < 1 or > CaDays)
        {
            throw new ArgumentOutOfRangeException(nameof(days), days, $"--days must be between 1 and {CaDays}.");
        }
    }

    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void AppendLiteral(StringBuilder header, string symbol, string pem)
    {
        header.AppendLine($"static const char {symbol}[] =");
        var lines = pem.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            header.Append("    \"").Append(lines[i]).Append("\\n\"").AppendLine(i == lines.Length - 1 ? ";" : string.Empty);
        }

        header.AppendLine();
    }

    private sealed class SignatureGeneratorLease(AsymmetricAlgorithm key, X509SignatureGenerator generator) : IDisposable
    {
        public X509SignatureGenerator Generator { get; } = generator;

        public void Dispose() => key.Dispose();
    }
}
