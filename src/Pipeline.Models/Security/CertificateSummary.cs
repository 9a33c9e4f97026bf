namespace Pipeline.Models.Security;

/// <summary>One certificate of the PKI folder as <c>pipeline certs list</c> shows it.</summary>
public sealed record CertificateSummary(
    string File,
    string Name,
    string Kind,
    string Serial,
    DateTimeOffset NotAfter,
    int DaysLeft,
    bool Revoked,
    bool IssuedByCa = true)
{
    /// <summary>Below this many days left, a certificate is reported as expiring.</summary>
    public const int WarnDays = 30;

    public bool Expired => DaysLeft < 0;

    public bool ExpiresSoon => !Revoked && DaysLeft < WarnDays;
}
