using System.Globalization;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Host;

/// <summary>
/// #20: the README's user stories, chained as a new user runs them, each step with the command the README shows —
/// a PKI, a sensor added with limits, the node with its embedded broker, a simulated pump, a model trained from the
/// node's own store, fine-tuned, evaluated and activated on the running node, an alarm listed, acknowledged and shelved
/// from a SCADA identity, and a node restart that keeps it all.
/// </summary>
[Trait("Category", "Process")]
public sealed class UserStorySpecs(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _work = new("pipeline-story");

    [Fact]
    public async Task Should_take_a_new_user_from_an_empty_folder_to_an_acknowledged_alarm_on_their_own_model()
    {
        var certs = _work.Combine("certs");
        var db = _work.Combine("pipeline.db");
        var models = _work.Combine("models");
        CopyDirectory(Path.Combine(Repository.Root, "models", "default"), Path.Combine(models, "default"));
        var port = FreePort.Next();
        var broker = $"127.0.0.1:{port}";

        // Certificates: the CA and the node, a SCADA identity; a sensor with its limits (which issues its certificate).
        await Cli("certs", "init", "--dir", certs, "--key", "ecdsa-p256");
        await Cli("certs", "issue", "nodered", "--role", "scada", "--dir", certs);
        // The simulated pump runs at 1.8-5 bar: a 1.5 bar ceiling makes its pressure alarm certain.
        await Cli("sensors", "add", "esp32-01", "--limits", "pressure=0.5:1.5", "--display-name", "Outlet", "--certs", certs, "--store", db);

        var node = StartNode(certs, db, models, port);
        try
        {
            await node.WaitForOutputAsync("Connected to", Patience);

            // A simulated pump; its pressure is over the limit: a limit alarm.
            await Cli("simulate", "--broker", broker, "--certs", certs, "--devices", "1", "--rate", "0", "--count", "3000", "--steady");
            await Eventually.HoldsAsync(() => Count(db, "SELECT count(*) FROM readings WHERE sensor_id = 'esp32-01'") == 3000, Patience, () => node.Output);
            var listed = await Cli("sensors", "list", "--store", db);
            Assert.Contains("Outlet", listed, StringComparison.Ordinal);
            await Eventually.HoldsAsync(() => Count(db, "SELECT count(*) FROM alarm_events WHERE sensor_id = 'esp32-01' AND type = 'limit' AND transition = 'raised'") == 1,
                Patience, () => node.Output);
            Assert.Contains("active-unacknowledged", await Cli("alarms", "list", "--store", db), StringComparison.Ordinal);

            // Train on the node's own store, fine-tune on more normal data, evaluate on a labelled leak, activate.
            var trained = await Cli("train", "--data", db, "--sensor", "esp32-01", "--out", Path.Combine(models, "pump1"), "--epochs", "5");
            Assert.Contains("warning: only 3000 rows", trained, StringComparison.Ordinal); // it says that is little, and what would do
            await Cli("simulate", "--devices", "1", "--duration", "2h", "--csv", _work.Combine("more-normal.csv"), "--seed", "2");
            await Cli("finetune", "--model", Path.Combine(models, "pump1"), "--data", _work.Combine("more-normal.csv"), "--out", Path.Combine(models, "pump1b"), "--epochs", "3");
            Directory.CreateDirectory(_work.Combine("labelled"));
            await Cli("simulate", "--devices", "1", "--duration", "1h", "--csv", _work.Combine("labelled", "leak.csv"), "--seed", "3", "--fault", "leak:esp32-01@1800s+600s");
            var evaluated = await Cli("evaluate", "--model", Path.Combine(models, "pump1b"), "--data", _work.Combine("labelled"), "--predictions", _work.Combine("predictions.csv"));
            Assert.Contains("F1", evaluated, StringComparison.Ordinal);
            Assert.True(File.Exists(_work.Combine("predictions.csv")));
            await Cli("model", "activate", "pump1b", "--models", models);
            await node.WaitForOutputAsync("Model switched from default", Patience);

            // The pump goes on (the simulator continues its sequence): its readings are judged by the new model.
            await Cli("simulate", "--broker", broker, "--certs", certs, "--devices", "1", "--rate", "0", "--count", "200", "--steady");
            await Eventually.HoldsAsync(() => Count(db, "SELECT count(*) FROM readings WHERE sensor_id = 'esp32-01'") == 3200, Patience, () => node.Output);
            await Eventually.HoldsAsync(() => Count(db, "SELECT count(*) FROM verdicts WHERE model_version LIKE 'pump1b@%'") > 0, Patience, () => node.Output);

            // SCADA acknowledges and shelves.
            await Cli("alarms", "ack", "esp32-01/limit", "--broker", broker, "--certs", certs, "--as", "nodered");
            await Cli("alarms", "shelve", "esp32-01/anomaly", "--broker", broker, "--certs", certs, "--as", "nodered", "--minutes", "30");
            await Eventually.HoldsAsync(() => Count(db, "SELECT count(*) FROM alarm_events WHERE transition IN ('acknowledged', 'shelved')") == 2, Patience, () => node.Output);
            Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await node.DisposeAsync();
        }

        // A restart keeps the alarm as it was (acknowledged, still active) and raises nothing twice.
        var restarted = StartNode(certs, db, models, port);
        try
        {
            await restarted.WaitForOutputAsync("Connected to", Patience);
            Assert.Contains("pump1b", restarted.Output, StringComparison.Ordinal);
            await Cli("simulate", "--broker", broker, "--certs", certs, "--devices", "1", "--rate", "0", "--count", "100", "--steady");
            await Eventually.HoldsAsync(() => Count(db, "SELECT count(*) FROM readings WHERE sensor_id = 'esp32-01'") == 3300, Patience, () => restarted.Output);
            var alarms = await Cli("alarms", "list", "--store", db);
            output.WriteLine(alarms);
            Assert.Contains("active-acknowledged", alarms, StringComparison.Ordinal);
            Assert.Equal(1, Count(db, "SELECT count(*) FROM alarm_events WHERE type = 'limit' AND transition = 'raised'"));
            Assert.Equal(0, await restarted.StopAsync(TimeSpan.FromSeconds(60)));
            Assert.DoesNotContain("[ERR]", restarted.Output, StringComparison.Ordinal);
        }
        finally
        {
            await restarted.DisposeAsync();
        }
    }

    private static NodeProcess StartNode(string certs, string db, string models, int port) => NodeProcess.Start(["--certs", certs, "--store", db],
        new Dictionary<string, string>
        {
            ["Pipeline__EmbeddedBroker__BindAddress"] = "127.0.0.1",
            ["Pipeline__EmbeddedBroker__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Pipeline__Models__Directory"] = models,
        });

    private async Task<string> Cli(params string[] arguments)
    {
        var (exit, stdout, stderr) = await PipelineCli.RunAsync(arguments);
        output.WriteLine($"$ pipeline {string.Join(' ', arguments)}\n{stdout}{stderr}");
        Assert.True(exit == 0, $"pipeline {string.Join(' ', arguments)} exited {exit}:\n{stdout}\n{stderr}");
        return stdout + stderr;
    }

    private static long Count(string db, string sql) => NodeDatabase.Scalar(db, sql);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    public void Dispose() => _work.Dispose();
}
