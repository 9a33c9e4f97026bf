using System.Net;
using System.Security.Cryptography.X509Certificates;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Security;

public sealed class CertificateAuthoritySpecs : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string Dir => _temp.Combine("certs");

    private static PkiInitOptions Options(KeyAlgorithm key = KeyAlgorithm.Rsa2048) => new()
    {
        ServerIps = [IPAddress.Loopback, IPAddress.Parse("192.168.1.50")],
        ServerDnsNames = ["localhost", "pipeline-pi.local"],
        Key = key,
    };

    [Fact]
    public void Should_create_the_ca_server_node_and_crl_with_private_permissions()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());

        foreach (var file in new[] { "ca.crt", "ca.key", "server.crt", "server.key", "node.crt", "node.key", "crl.pem" })
        {
            Assert.True(File.Exists(Path.Combine(Dir, file)), file);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Dir));
        foreach (var key in Directory.GetFiles(Dir, "*.key"))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
    }

    [Fact]
    public void Should_make_a_ten_year_root_and_a_server_certificate_with_every_san_for_serverAuth()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        using var root = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Dir, "ca.crt"));
        using var server = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Dir, "server.crt"));

        Assert.InRange((root.NotAfter - root.NotBefore).TotalDays, 3649, 3651);
        Assert.True(root.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal("sha256RSA", server.SignatureAlgorithm.FriendlyName);
        Assert.Equal(2048, server.GetRSAPublicKey()!.KeySize);
        var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["127.0.0.1", "192.168.1.50"], san.EnumerateIPAddresses().Select(i => i.ToString()).Order());
        Assert.Equal(["localhost", "pipeline-pi.local"], san.EnumerateDnsNames().Order());
        Assert.Contains(server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(),
            o => o.Value == "1.3.6.1.5.5.7.3.1");
    }

    [Fact]
    public void Should_refuse_to_replace_an_existing_ca_without_force()
    {
        string firstThumbprint;
        using (var first = CertificateAuthority.Init(Dir, Options()))
        {
            firstThumbprint = first.Certificate.Thumbprint;
        }

        var refused = Assert.Throws<IOException>(() => CertificateAuthority.Init(Dir, Options()));
        Assert.Contains("--force", refused.Message, StringComparison.Ordinal);
        using (var unchanged = CertificateAuthority.Open(Dir))
        {
            Assert.Equal(firstThumbprint, unchanged.Certificate.Thumbprint);
        }

        using var replaced = CertificateAuthority.Init(Dir, Options() with { Force = true });
        Assert.NotEqual(firstThumbprint, replaced.Certificate.Thumbprint);
    }

    [Fact]
    public void Should_issue_a_client_certificate_with_the_name_as_cn_the_role_as_ou_and_clientAuth()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());

        using var issued = ca.Issue("esp32-07", IdentityRole.Device, days: 90);

        var identity = ClientIdentity.FromCertificate(issued, out var error);
        Assert.Null(error);
        Assert.Equal(new ClientIdentity("esp32-07", IdentityRole.Device), identity);
        Assert.Contains(issued.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(),
            o => o.Value == "1.3.6.1.5.5.7.3.2");
        Assert.InRange((issued.NotAfter - issued.NotBefore).TotalDays, 89.9, 90.1);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Dir, "esp32-07.key")));
    }

    [Theory]
    [InlineData("esp32+01")]
    [InlineData("esp32#01")]
    [InlineData("site/esp32")]
    [InlineData("server")]
    public void Should_refuse_an_invalid_name(string name)
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        var before = Directory.GetFiles(Dir).Select(f => (f, File.GetLastWriteTimeUtc(f))).ToList();

        Assert.Throws<ArgumentException>(() => ca.Issue(name, IdentityRole.Device));
        Assert.Equal(before, Directory.GetFiles(Dir).Select(f => (f, File.GetLastWriteTimeUtc(f))));
    }

    [Fact]
    public void Should_issue_ecdsa_p256_when_asked()
    {
        using var ca = CertificateAuthority.Init(Dir, Options(KeyAlgorithm.EcdsaP256));

        using var issued = ca.Issue("esp32-01", IdentityRole.Device);

        Assert.Equal(KeyAlgorithm.EcdsaP256, ca.KeyAlgorithm);
        Assert.Equal(256, issued.GetECDsaPublicKey()!.KeySize);
        Assert.Equal("sha256ECDSA", issued.SignatureAlgorithm.FriendlyName);
    }

    [Fact]
    public void Should_record_a_revocation_in_a_crl_signed_by_the_ca_once()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        using var device = ca.Issue("esp32-01", IdentityRole.Device);
        using var other = ca.Issue("esp32-02", IdentityRole.Device);

        Assert.Equal(1, ca.Revoke("esp32-01"));
        Assert.Equal(0, ca.Revoke("esp32-01"));

        var crl = ca.LoadRevocationList();
        Assert.True(crl.IsRevoked(device));
        Assert.False(crl.IsRevoked(other));
        Assert.Single(crl.RevokedSerials);
    }

    [Fact]
    public void Should_revoke_what_a_forced_reissue_replaces_and_keep_a_record_of_every_certificate()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        using var first = ca.Issue("esp32-01", IdentityRole.Device);

        using var second = ca.Issue("esp32-01", IdentityRole.Device, force: true);

        var crl = ca.LoadRevocationList();
        Assert.True(crl.IsRevoked(first));
        Assert.False(crl.IsRevoked(second));
        Assert.True(File.Exists(Path.Combine(Dir, "issued", first.SerialNumber + ".crt")));
        Assert.True(File.Exists(Path.Combine(Dir, "issued", second.SerialNumber + ".crt")));
        Assert.Throws<IOException>(() => ca.Issue("esp32-01", IdentityRole.Device)); // without --force: refused, nothing changes
    }

    [Fact]
    public void Should_renew_with_the_same_key_subject_and_role_and_leave_the_old_certificate_valid()
    {
        using var ca = CertificateAuthority.Init(Dir, Options(KeyAlgorithm.EcdsaP256));
        using var first = ca.Issue("nodered", IdentityRole.Scada, days: 20);
        var key = File.ReadAllText(Path.Combine(Dir, "nodered.key"));

        using var renewed = ca.Renew("nodered", days: 400);

        Assert.NotEqual(first.SerialNumber, renewed.SerialNumber);
        Assert.Equal(first.PublicKey.EncodedKeyValue.RawData, renewed.PublicKey.EncodedKeyValue.RawData);
        Assert.Equal(key, File.ReadAllText(Path.Combine(Dir, "nodered.key")));
        Assert.Equal(new ClientIdentity("nodered", IdentityRole.Scada), ClientIdentity.FromCertificate(renewed, out _));
        Assert.InRange((renewed.NotAfter - renewed.NotBefore).TotalDays, 399.9, 400.1);
        Assert.False(ca.LoadRevocationList().IsRevoked(first));
        Assert.Equal(2, ca.Revoke("nodered")); // revoking the name reaches both
    }

    [Fact]
    public void Should_renew_with_a_new_key_when_asked_and_revoke_the_old_certificate()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        using var first = ca.Issue("esp32-01", IdentityRole.Device);

        using var renewed = ca.Renew("esp32-01", newKey: true);

        Assert.NotEqual(first.PublicKey.EncodedKeyValue.RawData, renewed.PublicKey.EncodedKeyValue.RawData);
        Assert.True(ca.LoadRevocationList().IsRevoked(first));
        Assert.False(ca.LoadRevocationList().IsRevoked(renewed));
    }

    [Fact]
    public async Task Should_renew_the_server_certificate_with_its_names_and_key()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        using var before = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Dir, "server.crt"));

        using var renewed = ca.Renew("server", days: 30);

        Assert.Equal(before.Subject, renewed.Subject);
        Assert.Equal(before.PublicKey.EncodedKeyValue.RawData, renewed.PublicKey.EncodedKeyValue.RawData);
        Assert.Equal(["127.0.0.1", "192.168.1.50"], renewed.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Select(i => i.ToString()).Order());
        var verified = await Openssl.RunAsync(Dir, "verify", "-purpose", "sslserver", "-CAfile", "ca.crt", "server.crt");
        Assert.True(verified.ExitCode == 0, verified.Output);
    }

    [Fact]
    public void Should_list_every_certificate_with_days_left_and_revocation_and_flag_the_expiring()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        ca.Issue("esp32-01", IdentityRole.Device).Dispose();
        ca.Issue("esp32-soon", IdentityRole.Device, days: 10).Dispose();
        ca.Issue("nodered", IdentityRole.Scada).Dispose();
        ca.Revoke("esp32-01");

        var rows = CertificateInventory.List(ca.Folder).ToDictionary(r => r.Name);

        Assert.Equal(["Pipeline Root CA", "esp32-01", "esp32-soon", "localhost", "node", "nodered"], rows.Keys.Order(StringComparer.Ordinal));
        Assert.True(rows["esp32-01"].Revoked);
        Assert.False(rows["esp32-01"].ExpiresSoon);
        Assert.True(rows["esp32-soon"].ExpiresSoon);
        Assert.InRange(rows["esp32-soon"].DaysLeft, 9, 10);
        Assert.Equal("scada", rows["nodered"].Kind);
        Assert.Equal("broker", rows["localhost"].Kind);
    }

    [Fact]
    public void Should_export_an_esp32_header_with_the_ca_the_certificate_and_the_key_as_c_strings()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        ca.Issue("esp32-01", IdentityRole.Device).Dispose();

        var header = Esp32Header.Export(ca.Folder, "esp32-01");

        Assert.Contains("#define PIPELINE_DEVICE_ID \"esp32-01\"", header, StringComparison.Ordinal);
        Assert.Contains("#define PIPELINE_TELEMETRY_TOPIC \"pipeline/esp32-01/telemetry\"", header, StringComparison.Ordinal);
        foreach (var symbol in new[] { "PIPELINE_CA_CERT", "PIPELINE_DEVICE_CERT", "PIPELINE_DEVICE_KEY" })
        {
            Assert.Contains($"static const char {symbol}[] =", header, StringComparison.Ordinal);
        }

        // Each PEM line becomes one literal ending in \n; the concatenation gives back the PEM exactly.
        var key = File.ReadAllText(Path.Combine(Dir, "esp32-01.key")).TrimEnd('\n');
        var keyLiteral = header[header.IndexOf("PIPELINE_DEVICE_KEY[]", StringComparison.Ordinal)..].Split(';')[0];
        var rebuilt = string.Concat(keyLiteral.Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.StartsWith('"'))
            .Select(l => l[1..^1].Replace("\\n", "\n", StringComparison.Ordinal)));
        Assert.Equal(key + "\n", rebuilt);
    }

    [Fact]
    public async Task Should_produce_certificates_that_openssl_verifies_against_the_ca()
    {
        using var ca = CertificateAuthority.Init(Dir, Options());
        ca.Issue("esp32-01", IdentityRole.Device).Dispose();

        var server = await Openssl.RunAsync(Dir, "verify", "-CAfile", "ca.crt", "server.crt");
        var device = await Openssl.RunAsync(Dir, "verify", "-CAfile", "ca.crt", "esp32-01.crt");
        var withCrl = await Openssl.RunAsync(Dir, "verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "ca.crt", "esp32-01.crt");

        Assert.True(server.ExitCode == 0, server.Output);
        Assert.Contains("server.crt: OK", server.Output, StringComparison.Ordinal);
        Assert.True(device.ExitCode == 0, device.Output);
        Assert.Contains("esp32-01.crt: OK", device.Output, StringComparison.Ordinal);
        Assert.True(withCrl.ExitCode == 0, withCrl.Output);
    }

    [Fact]
    public async Task Should_produce_a_crl_that_openssl_applies()
    {
        using var ca = CertificateAuthority.Init(Dir, Options(KeyAlgorithm.EcdsaP256));
        ca.Issue("esp32-01", IdentityRole.Device).Dispose();
        ca.Revoke("esp32-01");

        var revoked = await Openssl.RunAsync(Dir, "verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "ca.crt", "esp32-01.crt");

        Assert.NotEqual(0, revoked.ExitCode);
        Assert.Contains("certificate revoked", revoked.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_how_to_make_a_ca_when_a_folder_has_none_whether_issuing_or_listing()
    {
        // certs list said "error:10000080:BIO routines::no such file", OpenSSL's words for a missing ca.crt.
        var expected = $"No CA in '{Dir}' (missing ca.crt). Create one with 'pipeline certs init --dir {Dir}'.";

        Assert.Equal(expected, Assert.Throws<FileNotFoundException>(() => CertificateInventory.List(new PkiFolder(Dir))).Message);
        Assert.Equal(expected, Assert.Throws<FileNotFoundException>(() => CertificateAuthority.Open(Dir)).Message);
    }

    [Theory]
    [InlineData("bad name!")]
    [InlineData("")]
    public void Should_refuse_a_server_name_no_client_could_match_before_writing_anything(string name)
    {
        // "bad name!" went into the server certificate; "" failed with "String cannot be empty or null."
        var refused = Assert.Throws<ArgumentException>(() => CertificateAuthority.Init(Dir, Options(KeyAlgorithm.EcdsaP256) with { ServerDnsNames = [name] }));

        Assert.StartsWith($"--server-dns '{name}' is not a DNS name", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Dir));
    }

    public void Dispose() => _temp.Dispose();
}
