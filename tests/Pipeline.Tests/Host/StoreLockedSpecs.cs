using Microsoft.Data.Sqlite;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host;

/// <summary>
/// Another connection holds the SQLite store's write lock while a device streams (a <c>sqlite3</c> shell left inside
/// <c>BEGIN IMMEDIATE</c>, a backup). The node says so once, and a node stopped meanwhile — as an operator restarts it
/// to mend a store — stops at once instead of waiting out its drain; every reading arrives once the lock is let go.
/// </summary>
[Trait("Category", "Process")]
public sealed class StoreLockedSpecs : IDisposable
{
    private const int Readings = 300;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    [Fact]
    public async Task Should_say_the_store_is_locked_stop_without_waiting_out_the_drain_and_lose_nothing()
    {
        await using var mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        var db = _pki.Scratch("node.db");
        string[] arguments = ["--broker", mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db];
        var start = DateTimeOffset.UtcNow.AddSeconds(-Readings - 60);
        Task Publish(long from, long to) => new TelemetryPublisher(mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1)
            .PublishAsync(from, to, default, seq => Telemetry.Payload(seq, start.AddSeconds(seq), 120 + (seq % 7)));
        long Stored() => NodeDatabase.Scalar(db, "SELECT count(*) FROM readings");

        await using (var node = NodeProcess.Start(arguments))
        {
            await node.WaitForOutputAsync("Connected to", Patience);
            await Publish(1, Readings / 2);
            await Eventually.HoldsAsync(() => Stored() == Readings / 2, Patience, () => node.Output);

            using var other = new SqliteConnection($"Data Source={db};Pooling=False");
            other.Open();
            using (var hold = other.BeginTransaction(deferred: false))
            {
                await Publish((Readings / 2) + 1, Readings);
                await node.WaitForOutputAsync("is locked by another connection", Patience);
                var stopping = DateTimeOffset.UtcNow;
                Assert.Equal(0, await node.StopAsync(Patience));
                var stopped = DateTimeOffset.UtcNow - stopping;

                Assert.True(stopped < TimeSpan.FromSeconds(20), $"stopped after {stopped}: it waited out its 30 s drain"); // before: 31 s
                Assert.Contains($"Not draining: the store {db} is locked by another connection", node.Output, StringComparison.Ordinal);
                Assert.Equal(1, node.Output.Split('\n').Count(l => l.Contains("is locked by another connection (", StringComparison.Ordinal)));
                hold.Commit();
            }
        }

        await using var restarted = NodeProcess.Start(arguments);
        await Eventually.HoldsAsync(() => Stored() == Readings, Patience, () => restarted.Output);
        Assert.Equal(Readings, NodeDatabase.Scalar(db, "SELECT count(DISTINCT seq) FROM readings"));
        Assert.Equal(0, await restarted.StopAsync(Patience));
    }

    public void Dispose() => _pki.Dispose();
}
