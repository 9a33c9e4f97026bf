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
        }

        using (var foreign = CertificateAuthority.Init(ForeignDirectory, Options(key)))
        {
            foreign.Issue(Device1, IdentityRole.Device).Dispose();
        }
    }

    public string CertsDirectory { get; }

    /// <summary>Another CA's folder, holding a device certificate named like ours.</summary>
    public string ForeignDirectory { get; }

    public PkiFolder Folder => new(CertsDirectory);

    public string Scratch(string name) => _root.Combine(name);

    public void Dispose() => _root.Dispose();

    private static PkiInitOptions Options(KeyAlgorithm key) => new()
    {
        ServerIps = [IPAddress.Loopback],
        ServerDnsNames = ["localhost"],
        Key = key,
    };
}
