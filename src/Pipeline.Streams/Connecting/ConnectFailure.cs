using System.Net.Sockets;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;

namespace Pipeline.Streams.Connecting;

/// <summary>Why the node could not connect to its broker, in words an operator can act on.</summary>
public static class ConnectFailure
{
    /// <summary>
    /// A broker that closes the connection right after the TLS handshake surfaces in MQTTnet as "Transport endpoint is
    /// not connected" (it asks the closed socket for its peer) or "Error while authenticating" (the MQTT CONNECT that
    /// follows), and neither says so. Under TLS 1.3 that is how a refused client certificate shows: the client's side
    /// of the handshake ends before the broker checks its certificate (measured with Mosquitto and a node certificate
    /// from another CA: "Transport endpoint is not connected", and "certificate verify failed" in Mosquitto's log).
    /// </summary>
    public static string Describe(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var closedAfterHandshake = failure is MqttConnectingFailedException { InnerException: not MqttCommunicationTimedOutException }
            || failure.InnerException is SocketException { SocketErrorCode: SocketError.NotConnected };
        return closedAfterHandshake
            ? $"{failure.Message} — the broker closed the connection right after the TLS handshake: it may have refused this node's certificate (not issued by the CA it trusts, revoked or expired; its log says which)"
            : failure.Message;
    }
}
