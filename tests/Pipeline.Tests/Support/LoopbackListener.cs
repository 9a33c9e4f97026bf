using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>
/// Takes every TCP connection on a loopback port and hands each to <c>serve</c>, which owns it from then on: the
/// ground under the specs' stand-ins for a broker or a server that misbehaves on purpose (<see cref="SilentListener"/>,
/// <see cref="CommitCuttingRelay"/>). A connection whose other side goes away ends quietly.
/// </summary>
public sealed class LoopbackListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<TcpClient, CancellationToken, Task> _serve;
    private readonly CancellationTokenSource _stop = new();

    /// <param name="port">0 for a free one; a given port to stand in for a process that listened there.</param>
    public LoopbackListener(Func<TcpClient, CancellationToken, Task> serve, int port = 0)
    {
        _serve = serve;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _ = AcceptEachAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Takes no more connections and tells those being served to end; the port is free again.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    public void Dispose()
    {
        Stop();
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

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            await _serve(client, _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // one side went away, or the listener stopped
        }
    }
}
