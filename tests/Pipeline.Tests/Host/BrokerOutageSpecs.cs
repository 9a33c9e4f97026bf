using Pipeline.Models.Security;
using Pipeline.Streams.Connecting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host;

/// <summary>
/// The broker is away for longer than a sensor's <c>OfflineAfter</c> while its devices report on time. The node cannot
/// hear any sensor then — one cause, its own — so it raises no offline alarm for its sensors (before: one for each, an
/// alarm flood from one fault, each cleared again when the broker was back), and a sensor that stays silent once the
/// node hears again is still taken for offline. The simulated devices ride it out as field devices do.
/// </summary>
[Trait("Category", "Process")]
public sealed class BrokerOutageSpecs : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    [Fact]
    public async Task Should_take_no_sensor_for_offline_while_the_broker_is_away()
    {
        await using var mosquitto = await RestartableBroker.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        var db = _pki.Scratch("node.db");
        await using var node = await StartNodeAsync(mosquitto.Endpoint, db);
        var start = DateTimeOffset.UtcNow.AddSeconds(-600);
        Task Publish(BrokerEndpoint broker, long from, long to) => new TelemetryPublisher(broker, _pki.CertsDirectory, TestPki.Device1)
            .PublishAsync(from, to, default, seq => Telemetry.Payload(seq, start.AddSeconds(seq), 120 + (seq % 7)));
        await Publish(mosquitto.Endpoint, 1, 100);
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM readings") == 100, Patience, () => node.Output);

        await mosquitto.StopAsync();
        await node.WaitForOutputAsync("No sensor is taken for offline while the node is not connected to the broker", Patience);
        await Task.Delay(TimeSpan.FromSeconds(6)); // the point: away for twice the sensors' OfflineAfter
        await mosquitto.StartAgainAsync();
        await node.WaitForOutputAsync("The node hears its sensors again", Patience);
        await Publish(mosquitto.Endpoint, 101, 200); // the device reports again, as it would once its broker is back
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM readings") == 200, Patience, () => node.Output);
        Assert.Equal(0, NodeDatabase.Scalar(db, "SELECT count(*) FROM alarm_events WHERE type = 'offline'"));

        // Then it falls silent while the node hears: offline, as before.
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM alarm_events WHERE type = 'offline' AND transition = 'raised'") == 1, Patience, () => node.Output);
        Assert.Equal(0, await node.StopAsync(Patience));
    }

    [Fact]
    public async Task Should_have_simulated_devices_reconnect_and_send_again_so_that_every_reading_is_stored_and_judged()
    {
        await using var mosquitto = await RestartableBroker.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto-simulated"));
        var db = _pki.Scratch("simulated.db");
        const int PerDevice = 400;
        await using var node = await StartNodeAsync(mosquitto.Endpoint, db);
        var simulating = PipelineCli.RunAsync("simulate", "--devices", "2", "--rate", "20", "--count", PerDevice.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--steady", "--broker", mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory);
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM readings") >= 100, Patience, () => node.Output);

        await mosquitto.StopAsync();
        await node.WaitForOutputAsync("No sensor is taken for offline", Patience);
        await Task.Delay(TimeSpan.FromSeconds(5)); // away for longer than OfflineAfter, while the devices go on measuring
        await mosquitto.StartAgainAsync();
        var simulated = await simulating;
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM verdicts") == 2 * (PerDevice - 59), Patience, () => node.Output + simulated.Stdout + simulated.Stderr);

        Assert.True(simulated.ExitCode == 0, simulated.Stderr); // before: "error: the broker: The MQTT client is not connected."
        Assert.Contains("reconnects after the broker went away", simulated.Stdout, StringComparison.Ordinal);
        Assert.Equal(2 * PerDevice, NodeDatabase.Scalar(db, "SELECT count(*) FROM readings"));
        Assert.DoesNotContain("window restarted", node.Output, StringComparison.Ordinal); // stamped when measured: no gap
        Assert.Equal(0, NodeDatabase.Scalar(db, "SELECT count(*) FROM alarm_events WHERE type = 'offline' AND at < (SELECT max(received_at) FROM readings)"));
    }

    /// <summary>A node whose sensors go offline after 3 s of silence: less than the broker is away here.</summary>
    private async Task<NodeProcess> StartNodeAsync(BrokerEndpoint broker, string db)
    {
        var node = NodeProcess.Start(["--broker", broker.ToString(), "--certs", _pki.CertsDirectory, "--store", db],
            new Dictionary<string, string> { ["Pipeline__SensorDefaults__OfflineAfter"] = "00:00:03" });
        await node.WaitForOutputAsync("Connected to", Patience);
        return node;
    }

    public void Dispose() => _pki.Dispose();
}
