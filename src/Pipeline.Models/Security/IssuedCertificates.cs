using System.Security.Cryptography.X509Certificates;

namespace Pipeline.Models.Security;

/// <summary>
/// The CA's record of what it signed (<see cref="PkiFolder.Issued"/>): a copy of every certificate, by serial. A
/// name's current file holds only its newest certificate; the older ones stay valid until they expire or are revoked,
/// so revocation must find them here. Folders made before the record existed are read as their current files.
/// </summary>
public sealed class IssuedCertificates(PkiFolder folder)
{
    /// <summary>Keeps a copy of <paramref name="certificate"/> (public data only).</summary>
    public void Add(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Directory.CreateDirectory(folder.Issued);
        File.WriteAllText(Path.Combine(folder.Issued, certificate.SerialNumber + ".crt"), certificate.ExportCertificatePem());
    }

    /// <summary>Every certificate issued with CN <paramref name="name"/>: the recorded ones and the name's current file.</summary>
    public IReadOnlyList<X509Certificate2> Of(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var found = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        var current = name == "server" ? folder.ServerCertificate : folder.Certificate(name);
        var files = Directory.Exists(folder.Issued) ? Directory.EnumerateFiles(folder.Issued, "*.crt") : [];
        foreach (var path in files.Append(current).Where(File.Exists))
        {
            var certificate = X509CertificateLoader.LoadCertificateFromFile(path);
            var matches = path == current || certificate.GetNameInfo(X509NameType.SimpleName, false) == name;
            if (matches && found.TryAdd(certificate.SerialNumber, certificate))
            {
                continue;
            }

            certificate.Dispose();
        }

        return [.. found.Values.OrderBy(c => c.NotBefore)];
    }
}
