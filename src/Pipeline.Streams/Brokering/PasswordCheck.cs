using Pipeline.Models.Security;

namespace Pipeline.Streams.Brokering;

/// <summary>
/// The embedded broker's password layer (<see cref="EmbeddedBrokerOptions.RequirePasswords"/>): a client that has shown
/// a valid certificate must also give that certificate's name as user name and its password. The file is reread when
/// it changes, so <c>pipeline certs password</c> takes effect at the next connection.
/// </summary>
internal sealed class PasswordCheck(string path)
{
    private readonly Lock _gate = new();
    private PasswordFile _file = PasswordFile.Load(path);
    private DateTime _stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;

    /// <summary>Why <paramref name="identity"/> may not connect with these credentials, or null when it may.</summary>
    public string? Refusal(ClientIdentity identity, string? userName, ReadOnlySpan<byte> password)
    {
        if (userName != identity.Name)
        {
            return $"user name '{userName}' must be the certificate's name '{identity.Name}'";
        }

        return Current().Verify(identity.Name, password) ? null : $"wrong or missing password for '{identity.Name}' (set one with 'pipeline certs password {identity.Name}')";
    }

    private PasswordFile Current()
    {
        lock (_gate)
        {
            var stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
            if (stamp != _stamp)
            {
                _file = PasswordFile.Load(path);
                _stamp = stamp;
            }

            return _file;
        }
    }
}
