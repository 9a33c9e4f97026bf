using System.Net;
using System.Net.Sockets;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Brokering;

/// <summary>
/// Mosquitto 2.0 keeps an idle TCP or TLS connection open forever (measured: still open after 90 s, #15). Its
/// <c>max_connections</c> cap does not bound that on 2.0.11: each connection dropped during the TLS handshake after it
/// was accepted lets one more in (the cap's count goes down twice). So deploy/install.sh also limits Mosquitto's open
/// files (<c>LimitNOFILE</c>), which bounds its sockets whatever the count says.
/// </summary>
[Trait("Category", "Process")]
public sealed class MosquittoLimitsSpecs : IDisposable
{
    private const int OpenFiles = 24;
    private readonly TestPki _pki = new();

    [Fact]
    public async Task Should_hold_no_more_sockets_than_its_file_limit_even_after_handshakes_dropped_midway()
    {
        await using var mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"), maxConnections: 3, openFiles: OpenFiles);
        const int dropped = 5;
        await Eventually.HoldsAsync(() => Accepted(mosquitto) >= 1, TimeSpan.FromSeconds(10), () => mosquitto.Log); // the start-up probe
        for (var i = 0; i < dropped; i++)
        {
            var before = Accepted(mosquitto);
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, mosquitto.Endpoint.Port);
            await Eventually.HoldsAsync(() => Accepted(mosquitto) > before, TimeSpan.FromSeconds(10), () => mosquitto.Log);
        }

        await Eventually.HoldsAsync(() => Count(mosquitto.Log, "disconnected: Protocol error") >= dropped, TimeSpan.FromSeconds(10), () => mosquitto.Log);
        var idle = new List<TcpClient>();
        for (var i = 0; i < 3 * OpenFiles; i++)
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, mosquitto.Endpoint.Port);
            idle.Add(client);
        }

        // The broker closes each socket past its limit at once; the ones it holds stay silent.
        var open = await Task.WhenAll(idle.Select(async client =>
        {
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                return await client.GetStream().ReadAsync(new byte[1], quiet.Token) > 0;
            }
            catch (OperationCanceledException)
            {
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }));
        idle.ForEach(c => c.Dispose());

        var held = open.Count(o => o);
        Assert.True(held < OpenFiles, $"{held} sockets held with {OpenFiles} open files\n{mosquitto.Log}");
        Assert.True(held > 3, $"max_connections 3 held: Mosquitto may count right now; update docs/mqtt.md and this spec\n{mosquitto.Log}");
    }

    private static int Accepted(MosquittoProcess mosquitto) => Count(mosquitto.Log, "New connection from") + Count(mosquitto.Log, "Client connection from");

    private static int Count(string text, string what) => (text.Length - text.Replace(what, string.Empty, StringComparison.Ordinal).Length) / what.Length;

    public void Dispose() => _pki.Dispose();
}
