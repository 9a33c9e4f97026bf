using System.Net;
using System.Net.Sockets;
using Pipeline.Streams.Brokering;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Brokering;

/// <summary>
/// Mosquitto 2.0 keeps an idle TCP or TLS connection open forever (measured: still open after 90 s, #15), so the
/// generated config caps the connections a listener holds; the cap counts sockets that never said a word.
/// </summary>
public sealed class MosquittoLimitsSpecs : IDisposable
{
    private readonly TestPki _pki = new();

    [Fact]
    public async Task Should_close_connections_past_the_generated_cap_at_once_idle_ones_counted()
    {
        var work = _pki.Scratch("mosquitto");
        var port = FreePort.Next();
        await using var mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, work, port, maxConnections: 3);
        var idle = new List<TcpClient>();
        for (var i = 0; i < 2; i++) // the start-up probe's connection has gone; these two and the next fill the cap
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            idle.Add(client);
        }

        using var third = new TcpClient();
        await third.ConnectAsync(IPAddress.Loopback, port);
        using var fourth = new TcpClient();
        await fourth.ConnectAsync(IPAddress.Loopback, port);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await fourth.GetStream().ReadAsync(new byte[1], timeout.Token));
        idle.ForEach(c => c.Dispose());
    }

    public void Dispose() => _pki.Dispose();
}
