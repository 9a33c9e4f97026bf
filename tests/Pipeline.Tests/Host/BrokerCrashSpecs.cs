using Pipeline.Models.Security;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Host;

/// <summary>
/// #15 chaos: Mosquitto SIGKILLed and restarted mid-stream, three times. Devices resend whatever the broker did not
/// acknowledge; the node reconnects to its persistent session. With the generated configuration (persistence saved
/// after every change) every reading the broker acknowledged is stored; with <c>--snapshot-persistence</c> (a save every
/// 60 s) what it had queued since the last save is lost — measured, not asserted (docs/reliability.md). Either way
/// nothing is stored twice and the node carries on.
/// </summary>
[Trait("Category", "Process")]
public sealed class BrokerCrashSpecs(ITestOutputHelper output) : IDisposable
{
    private const int Readings = 6000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Should_carry_on_after_the_broker_is_killed_and_store_nothing_twice(bool saveEveryChange)
    {
        var work = _pki.Scratch($"mosquitto-{saveEveryChange}");
        var mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, work, saveEveryChange: saveEveryChange);
        var port = mosquitto.Endpoint.Port;
        var db = _pki.Scratch($"node-{saveEveryChange}.db");
        await using var node = NodeProcess.Start(["--broker", mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db]);
        await node.WaitForOutputAsync("Connected to", Patience);

        // A broker that has run a while has saved the node's session (autosave, or a stop): restarted, it queues for
        // the node from the start. Here a stop saves it; the kills below save nothing.
        await mosquitto.StopAsync();
        mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, work, port, saveEveryChange: saveEveryChange);
        await Eventually.HoldsAsync(() => node.Output.Split("Connected to").Length > 2, Patience, () => node.Output);
        var publisher = new TelemetryPublisher(mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1);
        var start = DateTimeOffset.UtcNow.AddSeconds(-Readings - 60);
        var publishing = publisher.PublishAsync(1, Readings, default, seq => Telemetry.Payload(seq, start.AddSeconds(seq), 120 + (seq % 7)));
        var random = new Random(3);

        for (var kill = 0; kill < 3 && !publishing.IsCompleted; kill++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 2000)));
            await mosquitto.KillAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, work, port, saveEveryChange: saveEveryChange);
        }

        await publishing;
        long Count(string sql) => NodeDatabase.Scalar(db, sql);
        // Settled: all stored, or nothing more for longer than the node's longest restart delay (30 s: after a broker
        // kill its stream may be waiting to reconnect, and the readings still queued for it come after that).
        var settled = -1L;
        await Eventually.HoldsAsync(() =>
        {
            var now = Count("SELECT count(*) FROM readings");
            var same = now == settled;
            settled = now;
            return now == Readings || same;
        }, Patience, () => node.Output, TimeSpan.FromSeconds(35));

        var stored = Count("SELECT count(*) FROM readings");
        Assert.Equal(stored, Count("SELECT count(DISTINCT seq) FROM readings"));
        Assert.False(node.HasExited);
        Assert.DoesNotContain("[ERR]", node.Output, StringComparison.Ordinal);
        output.WriteLine($"3 broker kills, {(saveEveryChange ? "saved after every change" : "snapshot every 60 s")}: {Readings} readings acknowledged to the device, {stored} stored, {Readings - stored} lost");
        if (saveEveryChange)
        {
            // Mosquitto saves once per pass of its network loop, after the PUBACKs of that pass are written: a kill
            // between the two loses what the pass took in (its maintainer: eclipse-mosquitto/mosquitto#1855). Seen once
            // here, 1 of 6,000 (2026-12-01); the snapshot mode loses thousands. So: at most a few per kill, never more.
            const int mostLostPerKill = 10;
            Assert.True(Readings - stored <= 3 * mostLostPerKill, $"{Readings - stored} acknowledged readings lost\n{node.Output}");
        }

        await mosquitto.DisposeAsync();
    }

    public void Dispose() => _pki.Dispose();
}
