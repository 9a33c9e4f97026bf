using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

public static class FreePort
{
    // Below the kernel's range for outgoing connections' ports (/proc/sys/net/ipv4/ip_local_port_range, 32768 up): a
    // port the kernel chose (bind to 0) can be taken as the source port of any client's connection before the process
    // the spec starts binds it, and two calls in a row may even get the same one. A fresh clone's run once saw the second
    // node of SharedFleetSpecs form a cluster of its own instead of joining its seed, as either would make it do. Handed
    // out in turn from a random start, so calls in a row, specs running at once and two test runs do not pick the same.
    private const int Lowest = 10_000;
    private static int _last = Lowest + Random.Shared.Next(EphemeralStart() - Lowest);

    /// <summary>A loopback TCP port nobody listens on right now, outside the range the kernel gives outgoing connections.</summary>
    public static int Next()
    {
        var span = EphemeralStart() - Lowest;
        for (var tried = 0; tried < span; tried++)
        {
            var port = Lowest + ((Interlocked.Increment(ref _last) - Lowest) % span);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // in use: the next one
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Lowest + span}");
    }

    private static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture) is var low and > Lowest + 1_000 ? low : 32_768;
        }
        catch (IOException)
        {
            return 32_768;
        }
    }

    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout, Func<string?>? whyNot = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                if (whyNot?.Invoke() is { } reason)
                {
                    throw new InvalidOperationException(reason);
                }

                await Task.Delay(50);
            }
        }
    }
}
