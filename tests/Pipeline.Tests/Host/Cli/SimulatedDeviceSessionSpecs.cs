using System.Net.Sockets;
using Pipeline.Host.Cli;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>
/// A simulated device rides out its broker going away as a field device does: it keeps reconnecting, whatever the
/// failed attempt met, until the broker is back, and then sends again what was not acknowledged.
/// </summary>
[Trait("Category", "Process")]
public sealed class SimulatedDeviceSessionSpecs : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    [Fact]
    public async Task Should_keep_reconnecting_when_the_port_takes_the_connection_and_closes_it_during_the_handshake()
    {
        // A broker at its connection cap, or one that refuses the certificate, closes the connection so. Only a first
        // connection's failure is an error (SimulateCommandSpecs); once connected, a device retries whatever it meets.
        await using var broker = await RestartableBroker.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        var report = new SimulatedLinkReport();
        using var session = new SimulatedDeviceSession(broker.Endpoint, _pki.CertsDirectory, TestPki.Device1, report);
        await session.ConnectAsync(default);
        await session.SendAsync(Reading(1), default);

        await broker.StopAsync();
        using (var closer = HandshakeCloser.Listen(broker.Endpoint.Port))
        {
            var sending = SendThenCloseAsync(session, Reading(2)); // reading 2 is lost, so the session reconnects
            await Eventually.HoldsAsync(() => closer.Closed >= 2 || sending.IsCompleted, Patience, () => $"the session tried {closer.Closed} time(s)");
            Assert.False(sending.IsFaulted, sending.Exception?.ToString());
            closer.Stop();
            await broker.StartAgainAsync();
            await sending.WaitAsync(Patience);
        }

        Assert.Equal(1, report.Reconnects);
        Assert.True(report.ResentReadings >= 1, $"{report.ResentReadings} readings sent again");
    }

    private static async Task SendThenCloseAsync(SimulatedDeviceSession session, byte[] reading)
    {
        await session.SendAsync(reading, default);
        await session.CloseAsync(default);
    }

    private static byte[] Reading(long seq) => System.Text.Encoding.UTF8.GetBytes(Telemetry.Payload(seq, DateTimeOffset.UtcNow, 120));

    /// <summary>Takes every connection on a port, reads the client's hello and closes it: the TLS client meets an unexpected end of its handshake.</summary>
    private sealed class HandshakeCloser : IDisposable
    {
        private readonly LoopbackListener _listener;
        private int _closed;

        private HandshakeCloser(int port) => _listener = new LoopbackListener(CloseAsync, port);

        public int Closed => Volatile.Read(ref _closed);

        public static HandshakeCloser Listen(int port) => new(port);

        public void Stop() => _listener.Stop();

        public void Dispose() => _listener.Dispose();

        private async Task CloseAsync(TcpClient client, CancellationToken stopping)
        {
            using (client)
            {
                _ = await client.GetStream().ReadAsync(new byte[512], stopping); // the client's hello, unanswered
            }

            Interlocked.Increment(ref _closed);
        }
    }

    public void Dispose() => _pki.Dispose();
}
