using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace Pipeline.Streams.Connecting;

/// <summary>
/// MQTTnet's own TCP and TLS connection, as its default factory builds it, with the node's writes coalesced
/// (<see cref="CoalescingMqttChannel"/>): <c>new MqttClientFactory().CreateMqttClient(new CoalescingClientAdapterFactory())</c>.
/// </summary>
public sealed class CoalescingClientAdapterFactory : IMqttClientAdapterFactory
{
    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        return new MqttChannelAdapter(new CoalescingMqttChannel(new MqttTcpChannel(options)), formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }
}
