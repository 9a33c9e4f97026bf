using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>
/// A TCP relay in front of PostgreSQL that, once armed, lets the next COMMIT through to the server and then cuts the
/// connection before the server's answer gets back: the transaction committed, and the client cannot know it did. What
/// a connection lost at that moment does to a node (a network blip, a server restart between COMMIT and its reply).
/// </summary>
public sealed class CommitCuttingRelay : IDisposable
{
    /// <summary>The simple-query message Npgsql commits with: 'Q', its length (4 + 7), "COMMIT" and its NUL.</summary>
    private static readonly byte[] Commit = [(byte)'Q', 0, 0, 0, 11, .. "COMMIT"u8, 0];

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _serverPort;
    private readonly CancellationTokenSource _stop = new();
    private int _armed;
    private int _cuts;

    public CommitCuttingRelay(int serverPort)
    {
        _serverPort = serverPort;
        _listener.Start();
        _ = AcceptEachAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many commits went through unanswered.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    public void CutAfterNextCommit() => Volatile.Write(ref _armed, 1);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptEachAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        try
        {
            using var answersHeld = new CancellationTokenSource();
            using (client)
            {
                await server.ConnectAsync(IPAddress.Loopback, _serverPort, _stop.Token);
                var toClient = PumpAsync(server.GetStream(), client.GetStream(), answersHeld.Token);
                if (!await ToServerAsync(client.GetStream(), server.GetStream(), answersHeld))
                {
                    return;
                }

                Interlocked.Increment(ref _cuts);
                client.Close(); // the client's connection ends; the server's stays open, so its commit goes on unhindered

                await toClient; // and what it answers is read and dropped, until the relay stops
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // one side went away: so does the other, as the sockets are disposed
        }
    }

    /// <summary>Client to server, until the client is done (false) or an armed COMMIT went through (true).</summary>
    private async Task<bool> ToServerAsync(NetworkStream from, NetworkStream to, CancellationTokenSource answersHeld)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            var cut = buffer.AsSpan(0, read).IndexOf(Commit) >= 0 && Interlocked.Exchange(ref _armed, 0) == 1;
            if (cut)
            {
                await answersHeld.CancelAsync(); // nothing the server says from here reaches the client
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            if (cut)
            {
                return true;
            }
        }

        return false;
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken held)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (held.IsCancellationRequested)
            {
                continue;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
