using Pipeline.Models.Security;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host;

/// <summary>
/// #15 chaos: the disk holding the store fills up while a device streams. The node stops storing and acknowledging
/// (the broker keeps the readings), says why once, stays up, and when space is freed stores every reading and judges
/// every window by itself. The disk is a 16 MiB tmpfs mounted for the spec (it runs as root).
/// </summary>
[Trait("Category", "Process")]
public sealed class DiskFullSpecs : IAsyncLifetime, IDisposable
{
    private const int Readings = 3000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private readonly TempDirectory _disk = new("pipeline-disk");
    private MosquittoProcess _mosquitto = null!;

    public async Task InitializeAsync()
    {
        _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        var mounted = CommandLine.Run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", _disk.Path);
        Assert.True(mounted.ExitCode == 0, mounted.Output);
    }

    [Fact]
    public async Task Should_wait_while_the_disk_is_full_say_so_once_and_lose_nothing()
    {
        var db = Path.Combine(_disk.Path, "node.db");
        await using var node = NodeProcess.Start(["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db]);
        await node.WaitForOutputAsync("Connected to", Patience);
        var filler = Path.Combine(_disk.Path, "filler");
        Fill(filler);

        var publishing = new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1)
            .PublishAsync(1, Readings, default, seq => Telemetry.Payload(seq, DateTimeOffset.UtcNow.AddSeconds(seq - Readings - 60), 120 + (seq % 7)));
        await node.WaitForOutputAsync("is full", Patience);
        await publishing; // every reading is with the broker now, waiting for the node
        var storedWhileFull = NodeDatabase.Scalar(db, "SELECT count(*) FROM readings");

        File.Delete(filler);
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM verdicts") >= Readings - 59, Patience, () => node.Output);

        Assert.False(node.HasExited);
        Assert.True(storedWhileFull < Readings, $"{storedWhileFull} stored while full");
        Assert.Equal(Readings, NodeDatabase.Scalar(db, "SELECT count(*) FROM readings"));
        Assert.Equal(Readings - 59, NodeDatabase.Scalar(db, "SELECT count(*) FROM verdicts"));
        Assert.Equal(1, node.Output.Split('\n').Count(l => l.Contains("is full (", StringComparison.Ordinal))); // the store's warning, once
        Assert.Contains("Space is back on the disk holding", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("[ERR]", node.Output, StringComparison.Ordinal);
        Assert.Equal(0, await node.StopAsync(Patience));
    }

    /// <summary>Writes until the disk refuses another byte.</summary>
    private static void Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // Full.
        }

        try
        {
            while (true)
            {
                file.Write(block.AsSpan(0, 512));
            }
        }
        catch (IOException)
        {
            // Full to the last block.
        }
    }

    public async Task DisposeAsync()
    {
        await _mosquitto.DisposeAsync();
        CommandLine.Run("umount", _disk.Path);
    }

    public void Dispose()
    {
        _disk.Dispose();
        _pki.Dispose();
    }
}
