using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>
/// Takes every TCP connection on a loopback port and says nothing: each client waits in its TLS handshake, as at a
/// broker too busy to answer. Counts the connections it holds.
/// </summary>
public sealed class SilentListener : IDisposable
{
    private readonly List<TcpClient> _held = [];
    private readonly LoopbackListener _listener;

    public SilentListener() => _listener = new LoopbackListener(HoldAsync);

    public int Port => _listener.Port;

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
        _listener.Dispose();
        lock (_held)
        {
            _held.ForEach(c => c.Dispose());
        }
    }

    private Task HoldAsync(TcpClient client, CancellationToken stopping)
    {
        lock (_held)
        {
            _held.Add(client);
        }

        return Task.CompletedTask;
    }
}
