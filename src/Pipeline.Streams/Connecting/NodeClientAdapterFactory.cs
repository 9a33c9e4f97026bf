using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace Pipeline.Streams.Connecting;

/// <summary>
/// MQTTnet's own TCP and TLS connection, as its default factory builds it, with the node's writes coalesced and its
/// reads paced by its intake (<see cref="NodeMqttChannel"/>):
/// <c>new MqttClientFactory().CreateMqttClient(new NodeClientAdapterFactory(roomToRead, closing))</c>.
/// </summary>
public sealed class NodeClientAdapterFactory(Func<CancellationToken, ValueTask<bool>>? roomToRead = null, Action? closing = null) : IMqttClientAdapterFactory
{
    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        return new MqttChannelAdapter(new NodeMqttChannel(new MqttTcpChannel(options), roomToRead, closing), formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }
}
