namespace Pipeline.Models.Security;

/// <summary>
/// The rules for a certificate identity (CN). The name becomes the MQTT user name, a topic level
/// (<c>pipeline/&lt;name&gt;/telemetry</c>) and a file name, so it must be safe in all three.
/// </summary>
public static class IdentityName
{
    public const int MaxLength = 64;

    /// <summary>
    /// Names of files in the PKI folder and topic levels that the topic contract reserves;
    /// an identity with one of these names would collide with them.
    /// </summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ca", "server", "crl", "alarms", "events", "commands", "status",
    };

    public const string AllowedCharacters =
        "letters A-Z a-z, digits 0-9, '-', '_' and '.'; 1 to 64 characters; starts with a letter or digit";

    /// <summary>Returns null when <paramref name="name"/> is a valid identity, else the reason it is not.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "the name is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"the name is {name.Length} characters long; at most {MaxLength} are allowed";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]))
        {
            return $"the name must start with a letter or digit, not '{name[0]}'";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                var why = c switch
                {
                    '+' or '#' => " (an MQTT wildcard)",
                    '/' => " (the MQTT topic separator)",
                    _ => string.Empty,
                };
                return $"the name contains '{c}'{why}; allowed are {AllowedCharacters}";
            }
        }

        if (Reserved.Contains(name))
        {
            return $"'{name}' is reserved (a PKI file or a topic level of the contract)";
        }

        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with the reason when the name is not valid.</summary>
    public static string EnsureValid(string? name)
    {
        var error = Validate(name);
        if (error is not null)
        {
            throw new ArgumentException($"Invalid identity name '{name}': {error}.", nameof(name));
        }

        return name!;
    }
}
