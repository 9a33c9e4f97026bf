using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>
/// Takes every TCP connection on a loopback port and says nothing: each client waits in its TLS handshake, as at a
/// broker too busy to answer. Counts the connections it holds.
/// </summary>
public sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = [];

    public SilentListener()
    {
        _listener.Start();
        _ = HoldEachAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Held
    {
        get
        {
            lock (_held)
            {
                return _held.Count;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held)
        {
            _held.ForEach(c => c.Dispose());
        }

        _stop.Dispose();
    }

    private async Task HoldEachAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_held)
                {
                    _held.Add(client);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }
}
