using System.Net;
using Pipeline.Models.Security;

namespace Pipeline.Tests.Support;

/// <summary>
/// A PKI made by our own code for a test: the CA, server and node from <c>init</c>, plus devices, a SCADA identity,
/// an expired and a revoked device; and a second, foreign CA with a device of the same name.
/// </summary>
public sealed class TestPki : IDisposable
{
    public const string Device1 = "esp32-01";
    public const string Device2 = "esp32-02";
    public const string Scada = "nodered";
    public const string Expired = "esp32-expired";
    public const string Revoked = "esp32-revoked";

    /// <summary>Re-issued with --force: its first certificate (in <see cref="StaleDirectory"/>) must no longer work.</summary>
    public const string Reissued = "esp32-reissued";

    /// <summary>Renewed with its key kept: its first certificate (in <see cref="StaleDirectory"/>) stays valid too.</summary>
    public const string Renewed = "esp32-renewed";

    /// <summary>Renewed, then revoked: neither its first certificate (in <see cref="StaleDirectory"/>) nor its current one works.</summary>
    public const string RenewedThenRevoked = "esp32-gone";

    /// <summary>Signed with our CA's key but without the clientAuth usage (in <see cref="CraftedDirectory"/>).</summary>
    public const string WithoutUsage = "esp32-nousage";

    /// <summary>Signed with our CA's key, but itself a CA (in <see cref="CraftedDirectory"/>).</summary>
    public const string CaLeaf = "esp32-isca";

    /// <summary>Signed with our CA's key, with two CNs: this name and "node" (in <see cref="CraftedDirectory"/>).</summary>
    public const string TwoNames = "esp32-twocn";

    private readonly TempDirectory _root = new("pipeline-pki");

    public TestPki(KeyAlgorithm key = KeyAlgorithm.Rsa2048)
    {
        CertsDirectory = _root.Combine("certs");
        ForeignDirectory = _root.Combine("foreign");
        using (var ca = CertificateAuthority.Init(CertsDirectory, Options(key)))
        {
            ca.Issue(Device1, IdentityRole.Device).Dispose();
            ca.Issue(Device2, IdentityRole.Device).Dispose();
            ca.Issue(Scada, IdentityRole.Scada).Dispose();
            ca.Issue(Expired, IdentityRole.Device, days: 1, notBefore: DateTimeOffset.UtcNow.AddDays(-30)).Dispose();
            ca.Issue(Revoked, IdentityRole.Device).Dispose();
            ca.Revoke(Revoked);

            StaleDirectory = _root.Combine("stale");
            ca.Issue(Reissued, IdentityRole.Device).Dispose();
            KeepStale(Reissued);
            ca.Issue(Reissued, IdentityRole.Device, force: true).Dispose();
            ca.Issue(Renewed, IdentityRole.Device).Dispose();
            KeepStale(Renewed);
            ca.Renew(Renewed).Dispose();
            ca.Issue(RenewedThenRevoked, IdentityRole.Device).Dispose();
            KeepStale(RenewedThenRevoked);
            ca.Renew(RenewedThenRevoked).Dispose();
            ca.Revoke(RenewedThenRevoked);

            CraftedDirectory = _root.Combine("crafted");
            CraftedCertificates.Write(CertsDirectory, CraftedDirectory, WithoutUsage, CaLeaf, TwoNames);
        }

        using (var foreign = CertificateAuthority.Init(ForeignDirectory, Options(key)))
        {
            foreign.Issue(Device1, IdentityRole.Device).Dispose();
        }
    }

    public string CertsDirectory { get; }

    /// <summary>A folder (with our ca.crt) holding certificates that were replaced: NAME.crt and NAME.key as they were.</summary>
    public string StaleDirectory { get; }

    /// <summary>A folder (with our ca.crt) holding certificates our CA's key signed but the PKI never issues.</summary>
    public string CraftedDirectory { get; }

    /// <summary>Another CA's folder, holding a device certificate named like ours.</summary>
    public string ForeignDirectory { get; }

    public PkiFolder Folder => new(CertsDirectory);

    public string Scratch(string name) => _root.Combine(name);

    public void Dispose() => _root.Dispose();

    private void KeepStale(string name)
    {
        Directory.CreateDirectory(StaleDirectory);
        File.Copy(Path.Combine(CertsDirectory, "ca.crt"), Path.Combine(StaleDirectory, "ca.crt"), overwrite: true);
        File.Copy(Path.Combine(CertsDirectory, name + ".crt"), Path.Combine(StaleDirectory, name + ".crt"), overwrite: true);
        PrivateKeyFile.Write(Path.Combine(StaleDirectory, name + ".key"), File.ReadAllText(Path.Combine(CertsDirectory, name + ".key")));
    }

    private static PkiInitOptions Options(KeyAlgorithm key) => new()
    {
        ServerIps = [IPAddress.Loopback],
        ServerDnsNames = ["localhost"],
        Key = key,
    };
}
