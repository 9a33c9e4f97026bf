using System.Globalization;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// #18: the operator's screen. The shipped flow (deploy/node-red/flow.json) in a real Node-RED 4 with FlowFuse Dashboard
/// 2.0 (installed by test.sh into .tools/), a real Mosquitto and a real node; a real headless Chromium opens the
/// dashboard, finds the raised alarm and its sensor's score, clicks Acknowledge, and the node journals it.
/// </summary>
[Trait("Category", "Process")]
public sealed class ScadaDashboardSpecs(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const string Alarm = "esp32-01/limit";

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);

    private static string Payload(long seq, DateTimeOffset at, double pressure) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"ts":{{at.ToUnixTimeMilliseconds()}},"seq":{{seq}},"flow":{{120 + (seq % 7)}},"temperature":{{21 + (seq % 3 * 0.1)}},"pressure":{{pressure}},"current":{{8.5 + (seq % 5 * 0.05)}}}""");

    [Fact]
    public async Task Should_show_the_raised_alarm_and_its_sensors_score_and_acknowledge_it_with_a_click()
    {
        await using var mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));
        var db = _pki.Scratch("node.db");
        await using var node = NodeProcess.Start(["--broker", mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db],
            new Dictionary<string, string> { ["Pipeline__Sensors__esp32-01__Limits__pressure__Min"] = "0", ["Pipeline__Sensors__esp32-01__Limits__pressure__Max"] = "5" });
        await node.WaitForOutputAsync("Connected to", Patience);
        var port = FreePort.Next();
        await using var nodeRed = ShippedFlow.Start(_pki, mosquitto.Endpoint, port);
        await nodeRed.WaitForOutputAsync("Connected to broker", Patience);

        // Two minutes of a pump a second apart, sent at once; its pressure goes over the 5 bar limit at the end.
        var start = DateTimeOffset.UtcNow.AddSeconds(-130);
        await new TelemetryPublisher(mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1)
            .PublishAsync(1, 120, default, seq => Payload(seq, start.AddSeconds(seq), seq > 110 ? 6.2 : 4.2));
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, $"SELECT count(*) FROM alarm_events WHERE alarm_id = '{Alarm}' AND transition = 'raised'") == 1,
            Patience, () => node.Output);

        await using var chromium = await HeadlessChromium.StartAsync(_pki.Scratch("chromium"));
        await chromium.NavigateAsync($"http://127.0.0.1:{port}/dashboard/overview");
        await chromium.WaitForAsync($"document.querySelector('tr[data-alarm=\"{Alarm}\"][data-state=\"active-unacknowledged\"]') !== null", Patience, () => nodeRed.Output);
        await chromium.WaitForAsync(
            "(document.querySelector('svg.pipeline-spark[data-sensor=\"esp32-01\"] polyline.score')?.getAttribute('points') || '').trim().split(' ').length >= 10",
            Patience, () => nodeRed.Output);
        var row = (await chromium.EvaluateAsync($"document.querySelector('tr[data-alarm=\"{Alarm}\"]').innerText"))?.GetValue<string>();
        var fleetRow = (await chromium.EvaluateAsync("document.querySelector('tr[data-sensor=\"esp32-01\"]').innerText"))?.GetValue<string>();
        var overview = Path.Combine(ScreenshotDirectory(), "dashboard-overview.png");
        await chromium.ScreenshotAsync(overview);

        await chromium.EvaluateAsync($"document.querySelector('button[data-ack=\"{Alarm}\"]').click()");

        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, $"SELECT count(*) FROM alarm_events WHERE alarm_id = '{Alarm}' AND transition = 'acknowledged'") == 1,
            Patience, () => node.Output + "\n" + nodeRed.Output);
        Assert.Equal("active-acknowledged", NodeDatabase.Strings(db, $"SELECT state FROM alarm_events WHERE alarm_id = '{Alarm}' ORDER BY id DESC LIMIT 1").Single());
        await chromium.WaitForAsync($"document.querySelector('tr[data-alarm=\"{Alarm}\"][data-state=\"active-acknowledged\"]') !== null", Patience, () => nodeRed.Output);

        // The fleet row opens the sensor's page: its score chart against the threshold.
        await chromium.EvaluateAsync("document.querySelector('tr[data-sensor=\"esp32-01\"]').click()");
        await chromium.WaitForAsync("location.pathname.endsWith('/dashboard/sensor') && document.querySelectorAll('canvas').length > 0", Patience, () => nodeRed.Output);
        var sensorPage = Path.Combine(ScreenshotDirectory(), "dashboard-sensor.png");
        await chromium.ScreenshotAsync(sensorPage);

        output.WriteLine($"alarm row: {row}\nfleet row: {fleetRow}\nscreenshots: {overview} and {sensorPage}");
        Assert.Contains("active-unacknowledged", row, StringComparison.Ordinal);
        Assert.Contains("esp32-01", fleetRow, StringComparison.Ordinal);
    }

    /// <summary>Beside the test binaries (git-ignored), so that it outlives the run's temp folder.</summary>
    private static string ScreenshotDirectory() => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public void Dispose() => _pki.Dispose();
}
