namespace Pipeline.Models.Security;

/// <summary>The file names of a PKI folder: <c>ca.crt</c>, <c>ca.key</c>, <c>server.*</c>, <c>NAME.*</c>, <c>crl.pem</c>.</summary>
public sealed record PkiFolder(string Directory)
{
    public const string NodeIdentity = "node";

    public string CaCertificate => Path.Combine(Directory, "ca.crt");

    public string CaKey => Path.Combine(Directory, "ca.key");

    public string ServerCertificate => Path.Combine(Directory, "server.crt");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string RevocationList => Path.Combine(Directory, "crl.pem");

    public string Certificate(string name) => Path.Combine(Directory, name + ".crt");

    public string Key(string name) => Path.Combine(Directory, name + ".key");

    /// <summary>
    /// Every certificate the CA ever issued, as <c>issued/SERIAL.crt</c>: what <c>certs revoke</c> reaches when a name's
    /// current file has been replaced (a re-issue, a renewal).
    /// </summary>
    public string Issued => Path.Combine(Directory, "issued");

    /// <summary>The CA's certificate, or a <see cref="FileNotFoundException"/> that says how to make one.</summary>
    public string ExistingCaCertificate() => File.Exists(CaCertificate)
        ? CaCertificate
        : throw new FileNotFoundException($"No CA in '{Directory}' (missing ca.crt). Create one with 'pipeline certs init --dir {Directory}'.", CaCertificate);
}
