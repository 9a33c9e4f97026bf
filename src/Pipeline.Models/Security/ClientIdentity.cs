using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Models.Security;

/// <summary>Who a connected client is: its certificate's CN and the role recorded in its OU.</summary>
public sealed record ClientIdentity(string Name, IdentityRole Role)
{
    private const string OrganizationalUnitOid = "2.5.4.11";

    /// <summary>Reads the identity from a client certificate; null (with the reason) when it carries none we accept.</summary>
    public static ClientIdentity? FromCertificate(X509Certificate2 certificate, out string? error)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var name = certificate.GetNameInfo(X509NameType.SimpleName, false);
        error = IdentityName.Validate(name);
        if (error is not null)
        {
            error = $"certificate CN '{name}' is not a valid identity: {error}";
            return null;
        }

        var unit = OrganizationalUnit(certificate);
        if (!IdentityRoles.TryParse(unit, out var role))
        {
            error = $"certificate of '{name}' records no role (OU is '{unit ?? "missing"}'; expected device, node or scada)";
            return null;
        }

        return new ClientIdentity(name, role);
    }

    /// <summary>The certificate subject's OU, where the PKI records the role (or "broker"/"ca").</summary>
    internal static string? OrganizationalUnit(X509Certificate2 certificate) =>
        certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .FirstOrDefault(n => n.GetSingleElementType().Value == OrganizationalUnitOid)?.GetSingleElementValue();
}
