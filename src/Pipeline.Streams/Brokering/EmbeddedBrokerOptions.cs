using Pipeline.Models.Settings;

namespace Pipeline.Streams.Brokering;

/// <summary>The in-process MQTT broker used when no external broker is configured (<c>Pipeline:EmbeddedBroker</c>).</summary>
public sealed class EmbeddedBrokerOptions : ISettingsGroup
{
    /// <summary>PKI folder with <c>ca.crt</c>, <c>server.crt/key</c> and <c>crl.pem</c>. Env: <c>Pipeline__EmbeddedBroker__CertsDirectory</c>.</summary>
    public string CertsDirectory { get; set; } = "certs";

    /// <summary>
    /// Address to listen on, and only it: <c>127.0.0.1</c> is loopback only, <c>0.0.0.0</c> every IPv4 interface, <c>::</c>
    /// every interface, IPv4 and IPv6. Default <c>0.0.0.0</c> (devices connect over the network).
    /// </summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>TLS port. Default 8883.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>
    /// QoS 1 messages kept per client while it is offline or slow. Default 100,000. Size it as
    /// sensors x readings/s x seconds of outage to survive: past it, the oldest messages are dropped (and logged).
    /// </summary>
    public int MaxPendingMessagesPerClient { get; set; } = 100_000;

    /// <summary>Open connections at most; more are closed at once (counted, logged). Default 1000.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>How long a new connection has to finish its TLS handshake. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a client has after its handshake to send CONNECT. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest MQTT packet accepted, bytes: a client that announces a bigger one is disconnected before it is read.
    /// Default 65,536 (Mosquitto's generated config has the same); telemetry is a few hundred bytes.
    /// </summary>
    public int MaxPacketBytes { get; set; } = 65_536;

    /// <summary>
    /// The optional password layer (docs/mqtt.md): every client must also give its certificate's name as user name and
    /// the password set with <c>pipeline certs password</c> (hashed in <c>CertsDirectory/passwords</c>). Default off.
    /// </summary>
    public bool RequirePasswords { get; set; }

    public IEnumerable<string> Problems(string section) =>
        SettingRules.When(!System.Net.IPAddress.TryParse(BindAddress, out _), $"{section}:BindAddress '{BindAddress}' is not an IP address")
            .Concat(SettingRules.Range($"{section}:Port", Port, 1, 65_535))
            .Concat(SettingRules.Range($"{section}:MaxPendingMessagesPerClient", MaxPendingMessagesPerClient, 1, 10_000_000))
            .Concat(SettingRules.Range($"{section}:MaxConnections", MaxConnections, 1, 100_000))
            .Concat(SettingRules.Range($"{section}:MaxPacketBytes", MaxPacketBytes, 1024, 268_435_455))
            .Concat(SettingRules.Positive($"{section}:HandshakeTimeout", HandshakeTimeout))
            .Concat(SettingRules.Positive($"{section}:ConnectTimeout", ConnectTimeout));
}
