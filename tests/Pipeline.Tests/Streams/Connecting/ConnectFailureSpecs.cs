using System.Net.Sockets;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Streams.Connecting;

public sealed class ConnectFailureSpecs
{
    [Fact]
    public void Should_say_that_the_broker_closed_the_connection_after_the_handshake_where_mqttnet_does_not()
    {
        // What MQTTnet threw when Mosquitto refused a node certificate from another CA (TLS 1.3), and when the broker
        // closed the connection during the MQTT CONNECT.
        var refused = new MqttCommunicationException(new SocketException((int)SocketError.NotConnected));
        var closed = new MqttConnectingFailedException("Error while authenticating. Connection closed.", new MqttCommunicationException("Connection closed."));

        Assert.All(new Exception[] { refused, closed }, e =>
        {
            var reason = ConnectFailure.Describe(e);
            Assert.StartsWith(e.Message, reason, StringComparison.Ordinal);
            Assert.Contains("closed the connection right after the TLS handshake", reason, StringComparison.Ordinal);
            Assert.Contains("may have refused this node's certificate", reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Should_leave_other_failures_as_they_are()
    {
        var timedOut = new MqttConnectingFailedException("Error while authenticating. Timeout.", new MqttCommunicationTimedOutException());
        var refusedPort = new MqttCommunicationException(new SocketException((int)SocketError.ConnectionRefused));

        Assert.Equal(timedOut.Message, ConnectFailure.Describe(timedOut));
        Assert.Equal(refusedPort.Message, ConnectFailure.Describe(refusedPort));
    }
}
