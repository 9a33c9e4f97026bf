using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using Pipeline.Streams.Connecting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Connecting;

/// <summary>
/// The node's MQTT connection sends what queued while its last write was on its way in one write — one TLS record for a
/// batch's PUBACKs, which a busy Mosquitto then reads in one pass instead of one per pass — in order, within a bound;
/// and reads only while the node's intake has room, but never pauses past the client's timeout.
/// </summary>
public sealed class NodeMqttChannelSpecs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Should_send_what_queued_behind_a_write_on_its_way_in_one_write_in_order()
    {
        var wire = new HeldChannel();
        using var channel = new NodeMqttChannel(wire);

        await channel.WriteAsync(Packet(0), true, default); // goes out, and is held on its way
        await Eventually.HoldsAsync(() => wire.Writes.Count == 1, Patience, () => "the first packet was not written");
        for (byte id = 1; id <= 200; id++)
        {
            await channel.WriteAsync(Packet(id), true, default); // a batch's PUBACKs, sent in a loop
        }

        wire.Release();
        await Eventually.HoldsAsync(() => wire.Bytes.Count == 201 * 4, Patience, () => $"{wire.Bytes.Count} of {201 * 4} bytes written");

        Assert.Equal(2, wire.Writes.Count); // before: 201 writes, a TLS record each
        Assert.Equal(Enumerable.Range(0, 201).SelectMany(id => Packet((byte)id).ToArray()), wire.Bytes);
    }

    [Fact]
    public async Task Should_make_a_writer_wait_once_the_queue_is_full_until_the_write_on_its_way_is_done()
    {
        var wire = new HeldChannel();
        using var channel = new NodeMqttChannel(wire);
        await channel.WriteAsync(Packet(0), true, default);
        await Eventually.HoldsAsync(() => wire.Writes.Count == 1, Patience, () => "the first packet was not written");

        var big = new ReadOnlySequence<byte>(new byte[NodeMqttChannel.MaxQueuedBytes]);
        await channel.WriteAsync(big, true, default); // fills the queue
        var waiting = channel.WriteAsync(Packet(1), true, default);

        Assert.False(waiting.IsCompleted); // a broker that reads nothing holds the client's sends
        wire.Release();
        await waiting.WaitAsync(Patience);
        await Eventually.HoldsAsync(() => wire.Bytes.Count == 8 + NodeMqttChannel.MaxQueuedBytes, Patience, () => $"{wire.Bytes.Count} bytes written");
    }

    [Fact]
    public async Task Should_fail_every_write_after_one_that_failed()
    {
        var wire = new HeldChannel { Failure = new IOException("connection reset") };
        using var channel = new NodeMqttChannel(wire);

        await channel.WriteAsync(Packet(0), true, default);
        wire.Release();
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await channel.WriteAsync(Packet(1), true, default);
                return false;
            }
            catch (IOException e)
            {
                return e.Message.Contains("connection reset", StringComparison.Ordinal);
            }
        }, Patience, () => "a write after the failed one did not fail");
    }

    [Fact]
    public async Task Should_read_only_once_the_intake_has_room()
    {
        var wire = new HeldChannel();
        var room = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var channel = new NodeMqttChannel(wire, _ => new ValueTask<bool>(room.Task));

        var reading = channel.ReadAsync(new byte[16], 0, 16, default);

        Assert.Equal(0, wire.Reads); // before: the client read on and queued every PUBLISH it got
        room.SetResult(true);
        await reading.WaitAsync(Patience);
        Assert.Equal(1, wire.Reads);
    }

    [Fact]
    public async Task Should_read_anyway_after_the_longest_pause_so_the_brokers_answers_to_pings_arrive()
    {
        var wire = new HeldChannel();
        using var channel = new NodeMqttChannel(wire, _ => new ValueTask<bool>(new TaskCompletionSource<bool>().Task)); // never room

        await channel.ReadAsync(new byte[16], 0, 16, default).WaitAsync(NodeMqttChannel.MaxReadPause + Patience);

        Assert.Equal(1, wire.Reads);
    }

    private static ReadOnlySequence<byte> Packet(byte id) => new([0x40, 0x02, 0x00, id]); // a PUBACK

    /// <summary>A wire whose writes wait until released, and are recorded.</summary>
    private sealed class HeldChannel : IMqttChannel
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _gate = new();
        private readonly List<int> _writes = [];
        private readonly List<byte> _bytes = [];
        private int _reads;

        public Exception? Failure { get; init; }

        public IReadOnlyList<int> Writes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _writes];
                }
            }
        }

        public IReadOnlyList<byte> Bytes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _bytes];
                }
            }
        }

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 8883);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 50000);

        public bool IsSecureConnection => true;

        public void Release() => _released.TrySetResult();

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public int Reads => Volatile.Read(ref _reads);

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return Task.FromResult(0);
        }

        public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _writes.Add((int)buffer.Length);
            }

            await _released.Task;
            if (Failure is not null)
            {
                throw Failure;
            }

            lock (_gate)
            {
                _bytes.AddRange(buffer.ToArray());
            }
        }

        public void Dispose()
        {
        }
    }
}
