using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Models.Security;
using Pipeline.Models.Simulation;
using Pipeline.Streams.Connecting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>
/// Simulator -> the node's embedded broker -> node, both pumps with a learning period: an injected blockage raises one
/// alarm with the right hint; a pump beside it whose operator changes the set point now and then raises none.
/// </summary>
[Trait("Category", "Process")]
public sealed class DemoScenarioSpecs : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    private string Db => _pki.Scratch("node.db");

    private long Scalar(string sql) => NodeDatabase.Scalar(Db, sql);

    private string Text(string sql) => NodeDatabase.Text(Db, sql);

    [Fact]
    public async Task Should_alarm_on_an_injected_blockage_through_the_embedded_broker_and_not_on_normal_set_point_changes()
    {
        var port = FreePort.Next();
        await using var node = NodeProcess.Start(["--certs", _pki.CertsDirectory, "--store", Db], new Dictionary<string, string>
        {
            ["Pipeline__EmbeddedBroker__Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Pipeline__EmbeddedBroker__BindAddress"] = "127.0.0.1",
            ["Pipeline__Models__LearningReadings"] = "300",
        });
        await node.WaitForOutputAsync("Connected to", Patience);
        var broker = new BrokerEndpoint("127.0.0.1", port);
        const int readings = 1500;

        // esp32-01: normal operation with set-point changes (its flow moves by more than 20 L/min after learning).
        var normal = SimulatedTelemetry.Payloads(new PumpSimulator(TestPki.Device1, 4, setPointChanges: true), readings);
        var flows = Enumerable.Range(301, readings - 300).Select(seq => JsonDocument.Parse(normal(seq)).RootElement.GetProperty("flow").GetDouble()).ToArray();
        Assert.True(flows.Max() - flows.Min() > 20, $"flow after learning {flows.Min()}..{flows.Max()}");
        // esp32-02: steady, blocked from 600 s to 800 s.
        var blocked = SimulatedTelemetry.Payloads(new PumpSimulator(TestPki.Device2, 5, [new FaultSpec(FaultKind.Blockage, TestPki.Device2, TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(200))], setPointChanges: false), readings);
        var device1 = new TelemetryPublisher(broker, _pki.CertsDirectory, TestPki.Device1);
        var device2 = new TelemetryPublisher(broker, _pki.CertsDirectory, TestPki.Device2);

        // Each pump's first 300 readings are its learning period; the rest is scored with its own calibration.
        await Task.WhenAll(device1.PublishAsync(1, 320, default, normal), device2.PublishAsync(1, 320, default, blocked));
        await node.WaitForOutputAsync($"Sensor {TestPki.Device1} calibrated on 300 readings", Patience);
        await node.WaitForOutputAsync($"Sensor {TestPki.Device2} calibrated on 300 readings", Patience);
        await Task.WhenAll(device1.PublishAsync(321, readings, default, normal), device2.PublishAsync(321, readings, default, blocked));

        await Eventually.HoldsAsync(() => Scalar("SELECT count(*) FROM verdicts") >= 2 * (readings - 59), Patience, () => node.Output);
        Assert.Equal(1, Scalar($"SELECT count(*) FROM alarm_events WHERE alarm_id = '{TestPki.Device2}/anomaly' AND transition = 'raised'"));
        Assert.Equal(0, Scalar($"SELECT count(*) FROM alarm_events WHERE alarm_id = '{TestPki.Device1}/anomaly'"));
        Assert.Contains("blockage", Text($"SELECT cause_hint FROM alarms WHERE id = '{TestPki.Device2}/anomaly'"), StringComparison.Ordinal);
    }

    public void Dispose() => _pki.Dispose();
}
