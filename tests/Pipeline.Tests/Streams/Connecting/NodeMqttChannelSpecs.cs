using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Channel;
using MQTTnet.Protocol;
using Pipeline.Models.Security;
using Pipeline.Models.Topics;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Connecting;

/// <summary>
/// The node's MQTT connection sends what queued while its last write was on its way in one write — one TLS record for a
/// batch's PUBACKs, which a busy Mosquitto then reads in one pass instead of one per pass — in order, within a bound;
/// and reads only while the node's intake has room — at a packet's start, answering the client's pings itself meanwhile,
/// and never pausing longer than <see cref="NodeMqttChannel.MaxReadPause"/>.
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
    public async Task Should_fail_a_writer_that_waits_for_room_when_the_write_on_its_way_fails()
    {
        var wire = new HeldChannel { Failure = new IOException("connection reset") };
        using var channel = new NodeMqttChannel(wire);
        await channel.WriteAsync(Packet(0), true, default);
        await Eventually.HoldsAsync(() => wire.Writes.Count == 1, Patience, () => "the first packet was not written");
        await channel.WriteAsync(new ReadOnlySequence<byte>(new byte[NodeMqttChannel.MaxQueuedBytes]), true, default); // fills the queue
        var waiting = channel.WriteAsync(Packet(1), true, default);
        Assert.False(waiting.IsCompleted);

        wire.Release(); // the write on its way fails: the broker closed the connection

        var failure = await Assert.ThrowsAsync<IOException>(() => waiting.WaitAsync(Patience));
        Assert.Contains("connection reset", failure.Message, StringComparison.Ordinal);
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
    public async Task Should_read_anyway_after_the_longest_pause()
    {
        var wire = new HeldChannel();
        using var channel = new NodeMqttChannel(wire, _ => new ValueTask<bool>(new TaskCompletionSource<bool>().Task)); // never room

        await channel.ReadAsync(new byte[16], 0, 16, default).WaitAsync(NodeMqttChannel.MaxReadPause + Patience);

        Assert.Equal(1, wire.Reads);
    }

    [Fact]
    public async Task Should_answer_the_clients_ping_itself_while_it_holds_its_reads()
    {
        var wire = new HeldChannel();
        using var channel = new NodeMqttChannel(wire, _ => new ValueTask<bool>(new TaskCompletionSource<bool>().Task)); // never room
        var answer = new byte[2];
        wire.Release(); // the broker takes what is written

        var reading = channel.ReadAsync(answer, 0, 2, default); // held: the broker's answer waits behind held PUBLISHes
        await channel.WriteAsync(PingRequest, true, default);
        var read = await reading.WaitAsync(Patience);

        Assert.Equal(2, read);
        Assert.Equal([0xD0, 0x00], answer); // a PINGRESP; before: the client heard nothing within its timeout and hung up
        Assert.Equal(0, wire.Reads);
        await Eventually.HoldsAsync(() => wire.Bytes.Count == 2, Patience, () => "the ping did not reach the broker");
    }

    [Fact]
    public async Task Should_hold_reads_only_at_the_start_of_a_packet()
    {
        var wire = new HeldChannel();
        wire.Incoming.Enqueue([0x30, 0x05]); // a PUBLISH's fixed header: 5 bytes follow
        wire.Incoming.Enqueue([0x00, 0x01, (byte)'t', 0x00, 0x07]);
        var holding = false;
        using var channel = new NodeMqttChannel(wire, _ => holding ? new ValueTask<bool>(new TaskCompletionSource<bool>().Task) : new ValueTask<bool>(true));
        var buffer = new byte[16];

        await channel.ReadAsync(buffer, 0, 2, default);
        holding = true; // the intake is full now
        var body = channel.ReadAsync(buffer, 0, 5, default);
        var next = channel.ReadAsync(buffer, 0, 2, default);

        Assert.True(body.IsCompleted); // the rest of the packet is read at once: the client waits for all of it; before: held
        Assert.Equal(5, await body);
        Assert.False(next.IsCompleted); // the next packet waits for room
        Assert.Equal(2, wire.Reads);
    }

    [Fact]
    public async Task Should_answer_no_ping_the_broker_answered_itself()
    {
        var wire = new HeldChannel();
        wire.Incoming.Enqueue([0xD0, 0x00]); // the broker's PINGRESP
        var holding = false;
        using var channel = new NodeMqttChannel(wire, _ => holding ? new ValueTask<bool>(new TaskCompletionSource<bool>().Task) : new ValueTask<bool>(true));
        var buffer = new byte[2];

        await channel.WriteAsync(PingRequest, true, default);
        await channel.ReadAsync(buffer, 0, 2, default);
        holding = true;
        var next = channel.ReadAsync(buffer, 0, 2, default);

        Assert.False(next.IsCompleted); // held, not answered: the client has its answer
        Assert.Equal(1, wire.Reads);
    }

    [Fact]
    public async Task Should_keep_its_session_while_it_holds_its_reads_for_longer_than_the_clients_timeout()
    {
        using var pki = new TestPki(KeyAlgorithm.EcdsaP256);
        var logger = new TestLogger();
        await using var broker = await EmbeddedBroker.StartAsync(
            new EmbeddedBrokerOptions { CertsDirectory = pki.CertsDirectory, BindAddress = "127.0.0.1", Port = FreePort.Next() }, logger);
        var endpoint = new BrokerEndpoint("127.0.0.1", broker.Port);
        var holding = false;
        var received = 0;
        using var node = new MqttClientFactory().CreateMqttClient(new NodeClientAdapterFactory(
            _ => holding ? new ValueTask<bool>(new TaskCompletionSource<bool>().Task) : new ValueTask<bool>(true)));
        var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.DisconnectedAsync += e => Task.FromResult(disconnected.TrySetResult(e));
        node.ApplicationMessageReceivedAsync += _ => Task.FromResult(Interlocked.Increment(ref received));
        await node.ConnectAsync(MutualTlsClientOptions.For(endpoint, pki.CertsDirectory, "node")
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(3)).Build()); // MQTTnet waits half of it, 1.5 s, for a ping's answer: under the 5 s a held read may wait
        await node.SubscribeAsync(TopicContract.AllTelemetry, MqttQualityOfServiceLevel.AtLeastOnce);

        holding = true; // the intake is full: every PUBLISH waits, and the broker's PINGRESPs behind them
        await new TelemetryPublisher(endpoint, pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 20, default);
        var heldFor = Task.Delay(TimeSpan.FromSeconds(9)); // about three pings; with 1 s, whose answers are due within 0.5 s, the spec failed on a busy machine
        var first = await Task.WhenAny(disconnected.Task, heldFor);

        Assert.True(first == heldFor, $"the client hung up while its reads were held: {(first == heldFor ? null : (await disconnected.Task).Reason)}");
        holding = false;
        await Eventually.HoldsAsync(() => Volatile.Read(ref received) == 20, Patience, () => $"{received} of 20 received once the reads went on");
        Assert.True(node.IsConnected);
    }

    private static ReadOnlySequence<byte> PingRequest => new([0xC0, 0x00]);

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

        /// <summary>What the broker sent, one chunk per read; a read past the last one reads nothing.</summary>
        public Queue<byte[]> Incoming { get; } = new();

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            if (!Incoming.TryDequeue(out var chunk))
            {
                return Task.FromResult(0);
            }

            chunk.AsSpan(0, Math.Min(count, chunk.Length)).CopyTo(buffer.AsSpan(offset));
            return Task.FromResult(Math.Min(count, chunk.Length));
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
