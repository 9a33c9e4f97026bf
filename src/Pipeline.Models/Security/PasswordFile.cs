using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Models.Security;

/// <summary>
/// The optional password layer on top of certificates (#15): one line per identity, <c>NAME:pbkdf2-sha256:ITERATIONS:SALT:HASH</c>
/// (salt and hash base64), kept beside the PKI (<c>certs/passwords</c>, mode 0600). A password is never stored, only
/// its PBKDF2 hash with a salt of its own. The certificate's CN stays the identity: a password only adds a second
/// thing a client must have.
/// </summary>
public sealed class PasswordFile
{
    public const string FileName = "passwords";

    /// <summary>
    /// PBKDF2-SHA256 iterations. Below OWASP's 600,000 on purpose: the broker checks once per connection on a Pi, and
    /// only for a client that has already shown a valid certificate; 100,000 keep a stolen file expensive to guess.
    /// </summary>
    public const int Iterations = 100_000;

    private const string Scheme = "pbkdf2-sha256";
    private readonly Dictionary<string, Entry> _entries;

    private PasswordFile(Dictionary<string, Entry> entries) => _entries = entries;

    public IReadOnlyCollection<string> Identities => _entries.Keys;

    /// <summary>The file at <paramref name="path"/>, or an empty one when there is none. A malformed line is an error naming it.</summary>
    public static PasswordFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return new PasswordFile(entries);
        }

        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(':');
            if (parts.Length != 5 || parts[1] != Scheme || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
                || !TryBase64(parts[3], out var salt) || !TryBase64(parts[4], out var hash))
            {
                throw new InvalidDataException($"{path}:{number}: not NAME:{Scheme}:ITERATIONS:SALT:HASH");
            }

            entries[parts[0]] = new Entry(iterations, salt, hash);
        }

        return new PasswordFile(entries);
    }

    /// <summary>Whether <paramref name="identity"/> has a password and <paramref name="password"/> is it (in constant time).</summary>
    public bool Verify(string identity, ReadOnlySpan<byte> password)
    {
        if (!_entries.TryGetValue(identity, out var entry))
        {
            return false;
        }

        var hash = Rfc2898DeriveBytes.Pbkdf2(password, entry.Salt, entry.Iterations, HashAlgorithmName.SHA256, entry.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(hash, entry.Hash);
    }

    /// <summary>Sets (or replaces) <paramref name="identity"/>'s password in the file at <paramref name="path"/>, written atomically, 0600.</summary>
    public static void Set(string path, string identity, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        IdentityName.EnsureValid(identity);
        if (password.Length < 12)
        {
            throw new ArgumentException("a password needs at least 12 characters");
        }

        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var lines = (File.Exists(path) ? File.ReadAllLines(path) : [])
            .Where(l => !l.StartsWith(identity + ":", StringComparison.Ordinal))
            .Append(string.Create(CultureInfo.InvariantCulture, $"{identity}:{Scheme}:{Iterations}:{Convert.ToBase64String(salt)}:{Convert.ToBase64String(hash)}"));
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, lines);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        if (Convert.TryFromBase64String(text, bytes, out var written) && written > 0)
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }

    private sealed record Entry(int Iterations, byte[] Salt, byte[] Hash);
}
