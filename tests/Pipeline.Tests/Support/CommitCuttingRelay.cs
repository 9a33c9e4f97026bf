using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>
/// A TCP relay in front of PostgreSQL that, once armed, lets the next COMMIT through to the server and then cuts the
/// client's connection before the server's answer gets back: the transaction committed, and the client cannot know it
/// did. What a connection lost at that moment does to a node (a network blip, a server restart between COMMIT and its
/// reply). Or it loses the COMMIT, as a network that drops a connection without a word: the server's side stays open.
/// </summary>
public sealed class CommitCuttingRelay : IDisposable
{
    /// <summary>The simple-query message Npgsql commits with: 'Q', its length (4 + 7), "COMMIT" and its NUL.</summary>
    private static readonly byte[] Commit = [(byte)'Q', 0, 0, 0, 11, .. "COMMIT"u8, 0];

    private readonly LoopbackListener _listener;
    private readonly int _serverPort;
    private const int Forward = 1;
    private const int Lose = 2;

    private int _armed; // 0, Forward or Lose
    private int _cuts;

    public CommitCuttingRelay(int serverPort)
    {
        _serverPort = serverPort;
        _listener = new LoopbackListener(RelayAsync);
    }

    public int Port => _listener.Port;

    /// <summary>How many commits went through unanswered.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    public void CutAfterNextCommit() => Volatile.Write(ref _armed, Forward);

    /// <summary>The next COMMIT never reaches the server: its side of the connection stays open, idle in the transaction.</summary>
    public void LoseNextCommit() => Volatile.Write(ref _armed, Lose);

    public void Dispose() => _listener.Dispose();

    private async Task RelayAsync(TcpClient client, CancellationToken stopping)
    {
        using var server = new TcpClient();
        using var answersHeld = new CancellationTokenSource();
        using (client)
        {
            await server.ConnectAsync(IPAddress.Loopback, _serverPort, stopping);
            var toClient = PumpAsync(server.GetStream(), client.GetStream(), answersHeld.Token, stopping);
            if (!await ToServerAsync(client.GetStream(), server.GetStream(), answersHeld, stopping))
            {
                return;
            }

            Interlocked.Increment(ref _cuts);
            client.Close(); // the client's connection ends; the server's stays open, so its commit goes on unhindered

            await toClient; // and what it answers is read and dropped, until the relay stops
        }
    }

    /// <summary>Client to server, until the client is done (false) or an armed COMMIT came (true).</summary>
    private async Task<bool> ToServerAsync(NetworkStream from, NetworkStream to, CancellationTokenSource answersHeld, CancellationToken stopping)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, stopping)) > 0)
        {
            var cut = buffer.AsSpan(0, read).IndexOf(Commit) >= 0 ? Interlocked.Exchange(ref _armed, 0) : 0;
            if (cut != 0)
            {
                await answersHeld.CancelAsync(); // nothing the server says from here reaches the client
            }

            if (cut != Lose)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), stopping);
            }

            if (cut != 0)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken held, CancellationToken stopping)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, stopping)) > 0)
        {
            if (held.IsCancellationRequested)
            {
                continue;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), stopping);
        }
    }
}
