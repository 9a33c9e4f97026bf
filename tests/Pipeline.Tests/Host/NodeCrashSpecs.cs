using System.Globalization;
using Pipeline.Models.Security;
using Pipeline.Models.Simulation;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Host;

/// <summary>
/// #15 chaos: the node SIGKILLed at random moments while two devices stream (one of them leaks for a while), restarted
/// each time: no reading lost, none stored twice, every window judged once, and the alarm journal tells the same story
/// as the verdicts. The suite kills it 6 times in 6,000 readings; bench/chaos.sh 20 times in 100,000 (CHAOS_KILLS,
/// CHAOS_READINGS).
/// </summary>
[Trait("Category", "Process")]
public sealed class NodeCrashSpecs(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private MosquittoProcess _mosquitto = null!;

    // The broker is not killed here (BrokerCrashSpecs does that): its 60 s snapshot mode, because saving after every
    // change writes the whole queue each time, and the readings queued while the node is down (up to 100,000 at full
    // size) would slow Mosquitto to ~15 readings/s (measured; docs/reliability.md).
    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"), saveEveryChange: false);

    [Fact]
    public async Task Should_lose_nothing_store_nothing_twice_and_keep_the_alarm_journal_true_when_killed_at_random()
    {
        var kills = RunSize.From("CHAOS_KILLS", 6);
        var perDevice = RunSize.From("CHAOS_READINGS", 6_000) / 2;
        var db = _pki.Scratch("node.db");
        string[] devices = [TestPki.Device1, TestPki.Device2];
        string[] arguments = ["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db];
        var random = new Random(20);
        var logs = new List<string>();

        // The node's first connection makes its persistent session: from then on the broker keeps its readings while
        // it is down. (Before it ever connected, nothing is kept for it: MQTT has no session to keep them in.)
        var first = NodeProcess.Start(arguments);
        await first.WaitForOutputAsync("Connected to", TimeSpan.FromSeconds(90));
        var publishing = SimulatedTelemetry.PublishWithLeakOnFirst(_mosquitto.Endpoint, _pki.CertsDirectory, devices, perDevice, seed: 40);
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 3000)));
        await first.KillAsync();
        logs.Add(first.Output);
        await first.DisposeAsync();

        for (var kill = 1; kill < kills; kill++)
        {
            await using var node = NodeProcess.Start(arguments);
            await node.WaitForOutputAsync("Connected to", TimeSpan.FromSeconds(90));
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 3000)));
            await node.KillAsync();
            logs.Add(node.Output);
        }

        await Task.WhenAll(publishing);
        await using (var last = NodeProcess.Start(arguments))
        {
            await last.WaitForOutputAsync("Connected to", TimeSpan.FromSeconds(90));
            long Count(string sql) => NodeDatabase.Scalar(db, sql);
            await Eventually.HoldsAsync(() => Count("SELECT count(*) FROM verdicts") >= 2L * (perDevice - 59), Patience,
                () => $"readings {Count("SELECT count(*) FROM readings")}, verdicts {Count("SELECT count(*) FROM verdicts")}\n{last.Output}");
            Assert.Equal(0, await last.StopAsync(TimeSpan.FromSeconds(60)));
            logs.Add(last.Output);
        }

        foreach (var device in devices)
        {
            long Scalar(string sql) => NodeDatabase.Scalar(db, sql.Replace("$device", $"'{device}'", StringComparison.Ordinal));
            Assert.Equal(perDevice, Scalar("SELECT count(*) FROM readings WHERE sensor_id = $device"));
            Assert.Equal(perDevice, Scalar("SELECT count(DISTINCT seq) FROM readings WHERE sensor_id = $device AND seq BETWEEN 1 AND " + perDevice));
            Assert.Equal(perDevice - 59, Scalar("SELECT count(*) FROM verdicts WHERE sensor_id = $device"));

            // The journal and the verdicts agree: every time the stored alarm flag came on, one raise; every time it
            // went off, one clear.
            var flags = NodeDatabase.Strings(db, $"SELECT alarm FROM verdicts WHERE sensor_id = '{device}' ORDER BY last_seq").Select(f => f == "1").ToList();
            var raisedByVerdicts = flags.Zip(flags.Skip(1)).Count(p => !p.First && p.Second) + (flags.Count > 0 && flags[0] ? 1 : 0);
            var clearedByVerdicts = flags.Zip(flags.Skip(1)).Count(p => p.First && !p.Second);
            Assert.Equal(raisedByVerdicts, Scalar("SELECT count(*) FROM alarm_events WHERE sensor_id = $device AND type = 'anomaly' AND transition = 'raised'"));
            Assert.Equal(clearedByVerdicts, Scalar("SELECT count(*) FROM alarm_events WHERE sensor_id = $device AND type = 'anomaly' AND transition = 'cleared'"));
            output.WriteLine($"{device}: {perDevice} readings, {perDevice - 59} verdicts, anomaly raised {raisedByVerdicts} / cleared {clearedByVerdicts}");
        }

        Assert.True(NodeDatabase.Scalar(db, $"SELECT count(*) FROM alarm_events WHERE sensor_id = '{TestPki.Device1}' AND type = 'anomaly' AND transition = 'raised'") >= 1,
            "the leak raised no alarm");
        Assert.DoesNotContain(logs, l => l.Contains("[ERR]", StringComparison.Ordinal));
        output.WriteLine($"{kills} kills; {NodeDatabase.Scalar(db, "SELECT count(*) FROM readings")} readings stored once each");
    }

    public async Task DisposeAsync() => await _mosquitto.DisposeAsync();

    public void Dispose() => _pki.Dispose();
}
