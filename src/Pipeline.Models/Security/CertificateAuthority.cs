using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Models.Security;

/// <summary>
/// The private CA of a Pipeline installation: creates the root, the broker's server certificate and one client
/// certificate per identity (device, node, SCADA), revokes them through a signed CRL, and lists them.
/// Only <see cref="System.Security.Cryptography"/> is used — no openssl process. Somewhat over 300 lines: the whole
/// life of a certificate (init, issue, renew, revoke) reads in one place; signing is <see cref="CaSigner"/>'s, the record
/// of what was issued <see cref="IssuedCertificates"/>'.
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
    private readonly CaSigner _signer;

    private CertificateAuthority(PkiFolder folder, X509Certificate2 ca, TimeProvider time)
    {
        Folder = folder;
        _ca = ca;
        _time = time;
        _signer = new CaSigner(ca, time);
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
        foreach (var name in options.ServerDnsNames.Where(n => Uri.CheckHostName(n) != UriHostNameType.Dns))
        {
            // A name no client can match would only show as a failed handshake, on every device, later.
            throw new ArgumentException($"--server-dns '{name}' is not a DNS name (letters, digits, '-' and '.')", nameof(options));
        }

        var folder = new PkiFolder(directory);
        if (File.Exists(folder.CaCertificate) && !options.Force)
        {
            throw new IOException(
                $"A CA already exists in '{directory}'. Replacing it invalidates every certificate it issued; " +
                "pass --force to do so.");
        }

        PrivateKeyFile.CreatePrivateDirectory(directory);
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
        authority._signer.WriteRevocationList(folder.RevocationList, new CertificateRevocationListBuilder(), BigInteger.One);
        if (options.Force)
        {
            // A new CA: nothing the old one signed is worth keeping track of, and the node gets a certificate of the new one.
            if (Directory.Exists(folder.Issued))
            {
                Directory.Delete(folder.Issued, recursive: true);
            }

            File.Delete(folder.Certificate(PkiFolder.NodeIdentity));
        }

        authority.IssueServer(options);
        authority.Issue(PkiFolder.NodeIdentity, IdentityRole.Node, options.Days).Dispose();
        return authority;
    }

    /// <summary>Opens an existing CA; its key must be readable by its owner only.</summary>
    public static CertificateAuthority Open(string directory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var folder = new PkiFolder(directory);
        var caCertificate = folder.ExistingCaCertificate();
        var keyPem = PrivateKeyFile.Read(folder.CaKey);
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caCertificate), keyPem);
        return new CertificateAuthority(folder, ca, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Issues a client certificate with a new key: CN = <paramref name="name"/>, OU = role, clientAuth. With
    /// <paramref name="force"/> it replaces the name's certificate, and every earlier certificate of the name is revoked
    /// first: a re-issue is what an operator does for a lost or compromised device, whose old key must stop working.
    /// </summary>
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
        if (File.Exists(Folder.Certificate(name)))
        {
            if (!force)
            {
                throw new IOException($"'{name}' already has a certificate in '{Folder.Directory}'; revoke it first, or pass --force to replace it (which revokes it).");
            }

            Revoke(name);
        }

        using var newKey = (key ?? KeyAlgorithm).CreateKey();
        return IssueLeaf(Subject(name, role.ToOrganizationalUnit()), newKey, days, notBefore, ClientUsage(), subjectAlternativeName: null,
            Folder.Certificate(name), Folder.Key(name), writeKey: true);
    }

    /// <summary>
    /// A new certificate for an identity that has one (a device, a node, a SCADA client, or <c>server</c>): the same
    /// subject, role and names, a new validity, and the same key unless <paramref name="newKey"/> — so a device or a
    /// broker can switch to it without anything else changing. The old certificate stays valid until it expires when the
    /// key is kept (it proves the same key); with a new key it is revoked.
    /// </summary>
    public X509Certificate2 Renew(string name, int days = DefaultLeafDays, bool newKey = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ValidateDays(days);
        var server = name == "server";
        var (certificatePath, keyPath) = server ? (Folder.ServerCertificate, Folder.ServerKey) : (Folder.Certificate(IdentityName.EnsureValid(name)), Folder.Key(name));
        if (!File.Exists(certificatePath))
        {
            throw new FileNotFoundException($"'{name}' has no certificate in '{Folder.Directory}' to renew; issue one with 'pipeline certs issue {name}'.", certificatePath);
        }

        using var current = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        using var key = newKey ? KeyAlgorithms.Of(current).CreateKey() : KeyAlgorithms.LoadKey(PrivateKeyFile.Read(keyPath));
        if (newKey && !server)
        {
            Revoke(name);
        }

        var usage = server ? new X509EnhancedKeyUsageExtension([new Oid(ServerAuth)], false) : ClientUsage();
        var names = server ? current.Extensions.OfType<X509SubjectAlternativeNameExtension>().SingleOrDefault() : null;
        return IssueLeaf(current.SubjectName, key, days, notBefore: null, usage, names, certificatePath, keyPath, writeKey: newKey);
    }

    /// <summary>
    /// Adds every certificate ever issued to <paramref name="name"/> — its current one and any it replaced — to
    /// <c>crl.pem</c>. Returns how many were newly revoked (0: all of them already were).
    /// </summary>
    public int Revoke(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name != "server")
        {
            IdentityName.EnsureValid(name);
        }

        var issued = new IssuedCertificates(Folder).Of(name);
        try
        {
            if (issued.Count == 0)
            {
                var path = name == "server" ? Folder.ServerCertificate : Folder.Certificate(name);
                throw new FileNotFoundException($"No certificate '{path}' to revoke.", path);
            }

            var crl = LoadRevocationList();
            var unrevoked = issued.Where(c => !crl.IsRevoked(c)).ToList();
            if (unrevoked.Count == 0)
            {
                return 0;
            }

            var builder = CertificateRevocationListBuilder.LoadPem(File.ReadAllText(Folder.RevocationList), out var number);
            foreach (var certificate in unrevoked)
            {
                builder.AddEntry(certificate, _time.GetUtcNow(), X509RevocationReason.CessationOfOperation);
            }

            _signer.WriteRevocationList(Folder.RevocationList, builder, number + 1);
            return unrevoked.Count;
        }
        finally
        {
            foreach (var certificate in issued)
            {
                certificate.Dispose();
            }
        }
    }

    public RevocationList LoadRevocationList() => RevocationList.Load(Folder.RevocationList, _ca);

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
        using var key = options.Key.CreateKey();
        using var _ = IssueLeaf(
            Subject(commonName, "broker"),
            key,
            options.Days,
            notBefore: null,
            new X509EnhancedKeyUsageExtension([new Oid(ServerAuth)], false),
            san.Build(),
            Folder.ServerCertificate,
            Folder.ServerKey,
            writeKey: true);
    }

    private static X509EnhancedKeyUsageExtension ClientUsage() => new([new Oid(ClientAuth)], false);

    /// <summary>Signs a leaf for <paramref name="key"/>, writes it (and the key, when new) and records it in the issued folder.</summary>
    private X509Certificate2 IssueLeaf(
        X500DistinguishedName subject,
        AsymmetricAlgorithm key,
        int days,
        DateTimeOffset? notBefore,
        X509EnhancedKeyUsageExtension usage,
        X509Extension? subjectAlternativeName,
        string certificatePath,
        string keyPath,
        bool writeKey)
    {
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

        using var issued = _signer.Sign(request, start, end);
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        new IssuedCertificates(Folder).Add(issued);
        if (writeKey)
        {
            PrivateKeyFile.Write(keyPath, keyPem);
        }

        // Replaced in one step: a broker or node reading it meanwhile sees the old file or the new one, never half.
        var temporary = certificatePath + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(temporary, issued.ExportCertificatePem());
        File.Move(temporary, certificatePath, overwrite: true);
        return X509Certificate2.CreateFromPem(issued.ExportCertificatePem(), keyPem);
    }

    private static X500DistinguishedName Subject(string commonName, string unit)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(Organization);
        builder.AddOrganizationalUnitName(unit);
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static void ValidateDays(int days)
    {
        if (days is < 1 or > CaDays)
        {
            throw new ArgumentOutOfRangeException(nameof(days), days, $"--days is {days}; it must be between 1 and {CaDays}");
        }
    }

}
