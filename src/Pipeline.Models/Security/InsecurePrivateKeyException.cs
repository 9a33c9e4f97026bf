namespace Pipeline.Models.Security;

/// <summary>A private key file that group or others may read; refused as ssh refuses one.</summary>
public sealed class InsecurePrivateKeyException(string path, UnixFileMode mode)
    : Exception(
        $"Permissions {PrivateKeyFile.FormatMode(mode)} for '{path}' are too open: a private key must not be accessible " +
        $"by group or others. Fix: chmod 600 '{path}' (and make it owned by the user that runs the service).")
{
    public string Path { get; } = path;

    public UnixFileMode Mode { get; } = mode;
}
