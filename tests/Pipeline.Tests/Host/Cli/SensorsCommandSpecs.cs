using Pipeline.Models.Security;
using Pipeline.Models.Sensors;
using Pipeline.Streams.Storing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>Adding sensors and watching them, through the real command line and a running node.</summary>
[Trait("Category", "Process")]
public sealed class SensorsCommandSpecs : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private MosquittoProcess _mosquitto = null!;

    private string Db => _pki.Scratch("node.db");

    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));

    [Fact]
    public async Task Should_refuse_a_signal_limited_twice_before_issuing_and_note_a_name_no_standard_signal_has()
    {
        var twice = await PipelineCli.RunAsync("sensors", "add", "esp32-21", "--limits", "pressure=1:2,pressure=3:4", "--certs", _pki.CertsDirectory, "--store", Db);
        var misspelt = await PipelineCli.RunAsync("sensors", "add", "esp32-22", "--limits", "presure=1:2", "--certs", _pki.CertsDirectory, "--store", Db);

        Assert.Equal((1, "error: limit for 'pressure' given twice ('pressure=1:2,pressure=3:4'): give each signal once"), (twice.ExitCode, twice.Stderr.Trim()));
        Assert.False(File.Exists(_pki.Folder.Certificate("esp32-21"))); // was: the last limit kept, the first dropped without a word
        Assert.Equal(0, misspelt.ExitCode);
        Assert.Contains("note: 'presure' is none of flow, temperature, pressure, current", misspelt.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_a_display_name_or_location_that_is_not_one_line_of_a_label_before_issuing()
    {
        var broken = await PipelineCli.RunAsync("sensors", "add", "esp32-23", "--display-name", "Outlet\nDN150", "--certs", _pki.CertsDirectory, "--store", Db);
        var essay = await PipelineCli.RunAsync("sensors", "add", "esp32-24", "--location", new string('x', 201), "--certs", _pki.CertsDirectory, "--store", Db);
        var trimmed = await PipelineCli.RunAsync("sensors", "add", "esp32-25", "--display-name", "  Outlet DN150 ", "--location", " ", "--certs", _pki.CertsDirectory, "--store", Db);
        var list = await PipelineCli.RunAsync("sensors", "list", "--store", Db);

        Assert.Equal((1, "error: --display-name 'Outlet\\nDN150' holds a line break or another control character: give it on one line"), (broken.ExitCode, broken.Stderr.Trim()));
        Assert.Equal((1, "error: --location is 201 characters long; give at most 200"), (essay.ExitCode, essay.Stderr.Trim()));
        Assert.False(File.Exists(_pki.Folder.Certificate("esp32-23")));
        Assert.False(File.Exists(_pki.Folder.Certificate("esp32-24")));
        Assert.True(trimmed.ExitCode == 0, trimmed.Stderr);
        Assert.Contains(list.Stdout.Split('\n'), line => line.StartsWith("esp32-25             Outlet DN150       yes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_say_why_a_postgresql_store_cannot_be_reached()
    {
        var port = FreePort.Next();

        var listed = await PipelineCli.RunAsync("sensors", "list", "--store", $"postgres://pipeline@127.0.0.1:{port}/pipeline");

        // was "unexpected NpgsqlException: Failed to connect to ..." and a pointer to a stack trace
        Assert.Equal((1, $"error: the store (PostgreSQL): Failed to connect to 127.0.0.1:{port} (Connection refused)"), (listed.ExitCode, listed.Stderr.Trim()));
    }

    [Fact]
    public async Task Should_issue_register_and_list_sensors_with_last_seen_window_fill_and_health()
    {
        var add = await PipelineCli.RunAsync("sensors", "add", "esp32-20", "--limits", "pressure=0:3,flow=0:500",
            "--display-name", "Outlet DN150", "--certs", _pki.CertsDirectory, "--store", Db);
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.True(File.Exists(_pki.Folder.Certificate("esp32-20")));
        Assert.Equal(PrivateKeyFile.OwnerOnly, File.GetUnixFileMode(_pki.Folder.Key("esp32-20")));

        await using var node = NodeProcess.Start(
            ["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", Db],
            new Dictionary<string, string> { ["Pipeline__SensorDefaults__OfflineAfter"] = "00:00:02" });
        await node.WaitForOutputAsync("Connected to", Patience);
        await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, "esp32-20")
            .PublishAsync(1, 70, default, seq => Telemetry.Payload(seq, flow: 100 + seq));

        await node.WaitForOutputAsync("Sensor esp32-20 OutOfRange (pressure)", Patience); // 4.2 bar > 3
        string listed = string.Empty;
        await Eventually.HoldsAsync(
            () => (listed = PipelineCli.RunAsync("sensors", "list", "--store", Db).GetAwaiter().GetResult().Stdout).Contains("60/60", StringComparison.Ordinal),
            Patience,
            () => listed + "\n" + node.Output);

        var row = listed.Split('\n').Single(l => l.StartsWith("esp32-20 ", StringComparison.Ordinal));
        Assert.Contains("Outlet DN150", row, StringComparison.Ordinal);
        Assert.Contains("yes", row, StringComparison.Ordinal);
        Assert.Contains("out of range: pressure", row, StringComparison.Ordinal);
        Assert.Contains("akka.tcp://pipeline@", row, StringComparison.Ordinal);
        Assert.DoesNotContain("stopped", listed, StringComparison.Ordinal);

        // Stopped, the node's last word stays in the store: the list says it is that, not the sensor's health now.
        Assert.Equal(0, await node.StopAsync(Patience));
        var afterStop = (await PipelineCli.RunAsync("sensors", "list", "--store", Db)).Stdout;
        var stale = afterStop.Split('\n').Single(l => l.StartsWith("esp32-20 ", StringComparison.Ordinal));
        Assert.Matches(@" \([^()]*out of range: pressure[^()]*\) +akka\.tcp://pipeline@\S+ — stopped (just now|\d+ s ago)$", stale.TrimEnd());
        Assert.Contains("1 sensor(s) in (brackets): the node holding them is not running", afterStop, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_mark_the_health_a_node_not_seen_running_for_a_minute_last_wrote_and_not_that_of_a_running_one()
    {
        var now = DateTimeOffset.UtcNow;
        using (var store = PipelineStore.Open(new StoreOptions { Path = Db }))
        {
            await store.Sensors.UpsertSensorStatusAsync(
            [
                new SensorStatus("esp32-30", now.AddMinutes(-5), 1, 60, 60, "ok", "node-dead", 0, 0, 0, now.AddMinutes(-5)),
                new SensorStatus("esp32-31", now.AddSeconds(-3), 1, 60, 60, "ok", "node-alive", 0, 0, 0, now.AddSeconds(-3)),
            ], default);
            await store.Sensors.RecordNodeAsync("node-dead", now.AddMinutes(-5), stopped: false, default); // killed: no word since
            await store.Sensors.RecordNodeAsync("node-alive", now.AddSeconds(-5), stopped: false, default);
        }

        var listed = (await PipelineCli.RunAsync("sensors", "list", "--store", Db)).Stdout.Split('\n');

        Assert.EndsWith("(ok)                     node-dead — not seen running since 5 min ago", listed.Single(l => l.StartsWith("esp32-30 ", StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);
        Assert.EndsWith("ok                       node-alive", listed.Single(l => l.StartsWith("esp32-31 ", StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_report_a_registered_sensor_that_never_reports_as_offline()
    {
        await PipelineCli.RunAsync("sensors", "add", "esp32-21", "--certs", _pki.CertsDirectory, "--store", Db);

        await using var node = NodeProcess.Start(
            ["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", Db],
            new Dictionary<string, string> { ["Pipeline__SensorDefaults__OfflineAfter"] = "00:00:01" });

        await node.WaitForOutputAsync("Sensor esp32-21 Offline: never reported", Patience);
        string listed = string.Empty;
        await Eventually.HoldsAsync(
            () => (listed = PipelineCli.RunAsync("sensors", "list", "--store", Db).GetAwaiter().GetResult().Stdout).Contains("offline", StringComparison.Ordinal),
            Patience,
            () => listed);
        Assert.Contains("never", listed.Split('\n').Single(l => l.StartsWith("esp32-21 ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_learn_a_new_sensor_keep_its_calibration_across_a_restart_and_learn_again_when_recommissioned()
    {
        string[] arguments = ["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", Db];
        var environment = new Dictionary<string, string>
        {
            ["Pipeline__Models__LearningReadings"] = "100",
            ["Pipeline__Models__CalibrationReload"] = "00:00:01",
        };
        await PipelineCli.RunAsync("sensors", "add", "esp32-22", "--certs", _pki.CertsDirectory, "--store", Db);
        await using (var node = NodeProcess.Start(arguments, environment))
        {
            await node.WaitForOutputAsync("Connected to", Patience);
            await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, "esp32-22").PublishAsync(1, 130, default);

            await node.WaitForOutputAsync("Sensor esp32-22 is learning", Patience);
            await node.WaitForOutputAsync("Sensor esp32-22 calibrated on 100 readings", Patience);
            await Eventually.HoldsAsync(() => NodeDatabase.Scalar(Db, "SELECT count(*) FROM verdicts") == 130 - 59, Patience, () => node.Output);
            Assert.Equal(0, await node.StopAsync(Patience));
        }

        // Windows end at readings 60..130: those up to the 100th are learning; every later one waited for the calibration (#14).
        Assert.Equal(41, NodeDatabase.Scalar(Db, "SELECT count(*) FROM verdicts WHERE learning = 1"));
        Assert.Equal(1, NodeDatabase.Scalar(Db, "SELECT min(last_seq) = 60 FROM verdicts WHERE learning = 1"));
        Assert.Equal(1, NodeDatabase.Scalar(Db, "SELECT count(*) FROM sensor_calibrations WHERE sensor_id = 'esp32-22' AND readings = 100"));

        await using var restarted = NodeProcess.Start(arguments, environment);
        await restarted.WaitForOutputAsync("Sensor esp32-22 resumes with its calibration of default@", Patience);
        var unknown = await PipelineCli.RunAsync("sensors", "recommission", "esp32-99", "--store", Db);
        Assert.Equal(1, unknown.ExitCode); // #20: an unknown sensor was 'recommissioned' with exit 0
        Assert.Contains("no sensor 'esp32-99'", unknown.Stderr, StringComparison.Ordinal);
        var recommission = await PipelineCli.RunAsync("sensors", "recommission", "esp32-22", "--store", Db);

        Assert.True(recommission.ExitCode == 0, recommission.Stderr);
        Assert.Contains("Forgot 1 calibration(s) of esp32-22", recommission.Stdout, StringComparison.Ordinal);
        await restarted.WaitForOutputAsync("Sensor esp32-22 recommissioned: learning again", Patience);
        await restarted.WaitForOutputAsync("Connected to", Patience);
        await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, "esp32-22").PublishAsync(131, 195, default); // the pause reads as a gap: the window refills first
        await restarted.WaitForOutputAsync("Sensor esp32-22 is learning", Patience);
    }

    public async Task DisposeAsync() => await _mosquitto.DisposeAsync();

    public void Dispose() => _pki.Dispose();
}
