namespace Pipeline.Models.Security;

/// <summary>
/// What an identity may do on the broker. Recorded in the certificate's OU so that both brokers
/// (Mosquitto through the generated ACL, the embedded broker directly) authorise by role.
/// </summary>
public enum IdentityRole
{
    /// <summary>A field device: publishes its own telemetry and nothing else.</summary>
    Device,

    /// <summary>A Pipeline node: reads all telemetry and commands, writes alarms, events and its status.</summary>
    Node,

    /// <summary>A SCADA client (Node-RED): reads alarms, events and status, writes alarm commands.</summary>
    Scada,
}

public static class IdentityRoles
{
    public static string ToOrganizationalUnit(this IdentityRole role) => role switch
    {
        IdentityRole.Device => "device",
        IdentityRole.Node => "node",
        IdentityRole.Scada => "scada",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    public static IdentityRole Parse(string text) => TryParse(text, out var role)
        ? role
        : throw new ArgumentException($"Unknown role '{text}'; use device, node or scada.", nameof(text));

    public static bool TryParse(string? text, out IdentityRole role)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "device": role = IdentityRole.Device; return true;
            case "node": role = IdentityRole.Node; return true;
            case "scada": role = IdentityRole.Scada; return true;
            default: role = default; return false;
        }
    }
}
