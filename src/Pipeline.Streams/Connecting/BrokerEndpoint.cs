using System.Globalization;

namespace Pipeline.Streams.Connecting;

/// <summary>Where a broker listens: <c>HOST:PORT</c>, default port 8883 (MQTT over TLS).</summary>
public sealed record BrokerEndpoint(string Host, int Port)
{
    public const int DefaultTlsPort = 8883;

    public static BrokerEndpoint Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var colon = text.LastIndexOf(':');
        if (colon < 0 || text.EndsWith(']'))
        {
            return new BrokerEndpoint(text.Trim('[', ']'), DefaultTlsPort);
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"'{text}' is not HOST:PORT with a port between 1 and 65535.");
        }

        return new BrokerEndpoint(text[..colon].Trim('[', ']'), port);
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
