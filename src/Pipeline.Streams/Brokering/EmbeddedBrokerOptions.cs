namespace Pipeline.Streams.Brokering;

/// <summary>The in-process MQTT broker used when no external broker is configured (<c>Pipeline:EmbeddedBroker</c>).</summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>PKI folder with <c>ca.crt</c>, <c>server.crt/key</c> and <c>crl.pem</c>. Env: <c>Pipeline__EmbeddedBroker__CertsDirectory</c>.</summary>
    public string CertsDirectory { get; set; } = "certs";

    /// <summary>Address to listen on. Default <c>0.0.0.0</c> (devices connect over the network).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>TLS port. Default 8883.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>
    /// QoS 1 messages kept per client while it is offline or slow. Default 100,000. Size it as
    /// sensors x readings/s x seconds of outage to survive: past it, the oldest messages are dropped (and logged).
    /// </summary>
    public int MaxPendingMessagesPerClient { get; set; } = 100_000;
}
