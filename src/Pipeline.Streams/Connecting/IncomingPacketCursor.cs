namespace Pipeline.Streams.Connecting;

/// <summary>
/// Where the bytes read from an MQTT connection stand: at the start of a packet or inside one. MQTT frames each packet
/// with a fixed header — one byte of type and flags, then its remaining length in one to four bytes of 7 bits each —
/// followed by that many bytes. <see cref="NodeMqttChannel"/> holds its reads only at a packet's start, and answers a
/// ping itself only there.
/// </summary>
internal struct IncomingPacketCursor
{
    private const byte PingResponse = 0xD0;

    private Part _part;
    private int _remaining;
    private int _shift;

    private enum Part
    {
        Start,
        Length,
        Body,
    }

    /// <summary>True when the next byte read starts a packet.</summary>
    public readonly bool AtStart => _part == Part.Start;

    /// <summary>Follows <paramref name="read"/>; returns how many ping responses (PINGRESP) began in it.</summary>
    public int Advance(ReadOnlySpan<byte> read)
    {
        var pingResponses = 0;
        var i = 0;
        while (i < read.Length)
        {
            switch (_part)
            {
                case Part.Start:
                    pingResponses += read[i] == PingResponse ? 1 : 0;
                    (_part, _remaining, _shift) = (Part.Length, 0, 0);
                    i++;
                    break;
                case Part.Length:
                    _remaining |= (read[i] & 0x7F) << _shift;
                    _shift += 7;
                    _part = (read[i] & 0x80) != 0 ? Part.Length : _remaining == 0 ? Part.Start : Part.Body;
                    i++;
                    break;
                default:
                    var taken = Math.Min(_remaining, read.Length - i);
                    _remaining -= taken;
                    _part = _remaining == 0 ? Part.Start : Part.Body;
                    i += taken;
                    break;
            }
        }

        return pingResponses;
    }
}
