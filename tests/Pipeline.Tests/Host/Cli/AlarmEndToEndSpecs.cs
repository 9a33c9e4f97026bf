using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using MQTTnet;
using Pipeline.Models.Security;
using Pipeline.Models.Simulation;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>
/// A real Mosquitto, the node as a process with the shipped model, a simulated pump that leaks for a while, and a
/// SCADA client: one alarm is raised with a cause hint, its state is retained on the broker, it clears after the
/// leak, and every scored window has its verdict row.
/// </summary>
[Trait("Category", "Process")]
public sealed class AlarmEndToEndSpecs : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private MosquittoProcess _mosquitto = null!;

    private string Db => _pki.Scratch("node.db");

    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));

    private long Scalar(string sql) => NodeDatabase.Scalar(Db, sql);

    [Fact]
    public async Task Should_raise_one_leak_alarm_retain_its_state_and_clear_it_after_the_leak()
    {
        await using var scada = await MqttTestClient.ConnectAsync(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Scada);
        await scada.SubscribeAsync("pipeline/alarms/#");
        await using var node = NodeProcess.Start(["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", Db],
            new Dictionary<string, string> { ["Pipeline__Models__LearningReadings"] = "200" });
        await node.WaitForOutputAsync("Connected to", Patience);

        // A steady pump: its first 200 readings are its learning period; it leaks from reading 300 to 500, then runs
        // normally again until 800.
        var pump = new PumpSimulator(TestPki.Device1, 3, [new FaultSpec(FaultKind.Leak, TestPki.Device1, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(200))], setPointChanges: false);
        var payloads = SimulatedTelemetry.Payloads(pump, 800);
        var device = new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1);
        await device.PublishAsync(1, 220, default, payloads);
        await node.WaitForOutputAsync($"Sensor {TestPki.Device1} calibrated on 200 readings", Patience);
        await device.PublishAsync(221, 800, default, payloads);

        await Eventually.HoldsAsync(() => Scalar("SELECT count(*) FROM verdicts") >= 800 - 59, Patience, () => node.Output);
        var states = new List<JsonElement>();
        while (await scada.NextAsync(TimeSpan.FromSeconds(5)) is { } message)
        {
            Assert.Equal($"pipeline/alarms/{TestPki.Device1}/anomaly", message.Topic);
            states.Add(JsonDocument.Parse(message.ConvertPayloadToString()).RootElement.Clone());
        }

        Assert.Equal(741, Scalar("SELECT count(*) FROM verdicts"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM alarm_events WHERE transition = 'raised'"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM alarm_events WHERE transition = 'cleared'"));
        Assert.Contains(states, s => s.GetProperty("state").GetString() == "active-unacknowledged");
        var last = states[^1];
        Assert.Equal("cleared-unacknowledged", last.GetProperty("state").GetString());
        Assert.StartsWith("hint:", last.GetProperty("causeHint").GetString(), StringComparison.Ordinal);
        Assert.Contains("leak", last.GetProperty("causeHint").GetString(), StringComparison.Ordinal);

        // Retained: a SCADA client connecting now gets the alarm's state at once.
        await using var late = await MqttTestClient.ConnectAsync(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Scada);
        await late.SubscribeAsync("pipeline/alarms/#");
        var retained = await late.NextAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(retained);
        Assert.True(retained.Retain);
        Assert.Equal("cleared-unacknowledged", JsonDocument.Parse(retained.ConvertPayloadToString()).RootElement.GetProperty("state").GetString());

        // The operator acknowledges through the CLI (as the SCADA identity): the alarm closes, its retained state is emptied.
        var ack = await PipelineCli.RunAsync("alarms", "ack", $"{TestPki.Device1}/anomaly", "--broker", _mosquitto.Endpoint.ToString(),
            "--certs", _pki.CertsDirectory, "--as", TestPki.Scada);
        Assert.True(ack.ExitCode == 0, ack.Stderr);
        Assert.Contains("(now closed)", ack.Stdout, StringComparison.Ordinal); // the node's answer, not just "sent"
        Assert.Equal(1, Scalar("SELECT count(*) FROM alarm_events WHERE transition = 'closed'"));

        // Commands that cannot take effect say so and fail: nothing to acknowledge, a type in another casing (it crashed
        // the alarm actor, #15), a sensor the node has never heard of. Each is kept in rejects with its reason.
        var again = await Cli("alarms", "ack", $"{TestPki.Device1}/anomaly");
        var casing = await Cli("alarms", "ack", $"{TestPki.Device1}/Anomaly");
        var unknown = await Cli("alarms", "shelve", "nosuch/limit", "--minutes", "30");
        Assert.Equal((1, 1, 1), (again.ExitCode, casing.ExitCode, unknown.ExitCode));
        Assert.Contains("is not waiting for an acknowledgement: it is closed", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("'Anomaly' is not an alarm type", casing.Stderr, StringComparison.Ordinal);
        Assert.Contains("no sensor 'nosuch' is registered or has ever reported", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, Scalar("SELECT count(*) FROM rejects WHERE reason = 'InvalidCommand'"));
        var shelve = await Cli("alarms", "shelve", $"{TestPki.Device1}/anomaly", "--minutes", "30"); // and the alarms still answer
        Assert.True(shelve.ExitCode == 0, shelve.Stderr);
        await using var afterClose = await MqttTestClient.ConnectAsync(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Scada);
        await afterClose.SubscribeAsync("pipeline/alarms/#");
        var stillRetained = await afterClose.NextAsync(TimeSpan.FromSeconds(2));
        Assert.True(stillRetained is null, stillRetained?.ConvertPayloadToString());

        // A device may not command: the broker refuses it.
        var forged = await PipelineCli.RunAsync("alarms", "ack", $"{TestPki.Device1}/anomaly", "--broker", _mosquitto.Endpoint.ToString(),
            "--certs", _pki.CertsDirectory, "--as", TestPki.Device2);
        Assert.Equal(1, forged.ExitCode);
        Assert.Contains("NotAuthorized", forged.Stderr, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> Cli(params string[] arguments) =>
        PipelineCli.RunAsync([.. arguments, "--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--as", TestPki.Scada]);

    public async Task DisposeAsync() => await _mosquitto.DisposeAsync();

    public void Dispose() => _pki.Dispose();
}
