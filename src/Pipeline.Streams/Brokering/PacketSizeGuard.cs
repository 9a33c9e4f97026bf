namespace Pipeline.Streams.Brokering;

/// <summary>
/// Reads MQTT's framing as bytes pass from the TLS stream to MQTTnet: each packet's fixed header and its remaining
/// length (a variable byte integer, at most four bytes, MQTT 5 §1.5.5). A packet that announces more than the limit —
/// or a length that is not a valid variable byte integer — ends the connection with an <see cref="IOException"/> before
/// the bytes that announce it are handed on, so MQTTnet never allocates a buffer for it.
/// </summary>
internal sealed class PacketSizeGuard(Stream inner, int maxPacketBytes, Action<long> onOversize) : Stream
{
    private enum Part
    {
        FixedHeader,
        Length,
        Body,
    }

    private Part _part = Part.FixedHeader;
    private long _length;
    private long _multiplier = 1;
    private int _lengthBytes;
    private long _remaining;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Inspect(buffer.AsSpan(offset, read));
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Inspect(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_part)
            {
                case Part.FixedHeader:
                    i++;
                    (_part, _length, _multiplier, _lengthBytes) = (Part.Length, 0, 1, 0);
                    break;
                case Part.Length:
                    var b = bytes[i++];
                    _length += (b & 0x7F) * _multiplier;
                    _multiplier *= 128;
                    if (++_lengthBytes > 4)
                    {
                        throw new IOException("malformed MQTT packet: its remaining length runs past four bytes");
                    }

                    if (_length > maxPacketBytes)
                    {
                        onOversize(_length);
                        throw new IOException($"an MQTT packet of {_length} bytes is announced; at most {maxPacketBytes} are accepted");
                    }

                    if ((b & 0x80) == 0)
                    {
                        _remaining = _length;
                        _part = _remaining == 0 ? Part.FixedHeader : Part.Body;
                    }

                    break;
                default:
                    var taken = (int)Math.Min(_remaining, bytes.Length - i);
                    i += taken;
                    _remaining -= taken;
                    if (_remaining == 0)
                    {
                        _part = Part.FixedHeader;
                    }

                    break;
            }
        }
    }
}
