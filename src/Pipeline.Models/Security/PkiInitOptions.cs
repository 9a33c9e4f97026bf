using System.Net;

namespace Pipeline.Models.Security;

/// <summary>What <c>pipeline certs init</c> creates.</summary>
public sealed record PkiInitOptions
{
    /// <summary>IP addresses the broker is reached at (server certificate SANs).</summary>
    public IReadOnlyList<IPAddress> ServerIps { get; init; } = [];

    /// <summary>DNS names the broker is reached at (server certificate SANs).</summary>
    public IReadOnlyList<string> ServerDnsNames { get; init; } = [];

    /// <summary>Validity of the server and node certificates, in days. The CA always gets 10 years.</summary>
    public int Days { get; init; } = CertificateAuthority.DefaultLeafDays;

    public KeyAlgorithm Key { get; init; } = KeyAlgorithm.Rsa2048;

    /// <summary>Replace an existing CA (and with it invalidate every certificate it issued).</summary>
    public bool Force { get; init; }
}
