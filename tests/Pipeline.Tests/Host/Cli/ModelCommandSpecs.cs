using System.Text.Json.Nodes;
using Pipeline.Models.Detection;
using Pipeline.Models.Security;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>Model hot swap in a running node: a good bundle is switched to, a bad one is refused and the old keeps scoring.</summary>
[Trait("Category", "Process")]
public sealed class ModelCommandSpecs : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private MosquittoProcess _mosquitto = null!;

    private string Models => _pki.Scratch("models");

    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));

    private void CopyDefaultAs(string name)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "models", "default");
        var target = Path.Combine(Models, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        var manifest = Path.Combine(target, ModelBundle.ManifestFile);
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        json["name"] = name;
        File.WriteAllText(manifest, json.ToJsonString());
    }

    [Fact]
    public async Task Should_switch_a_running_node_to_an_activated_bundle_and_refuse_a_broken_one()
    {
        CopyDefaultAs("default");
        CopyDefaultAs("pump2");
        CopyDefaultAs("broken");
        File.Delete(Path.Combine(Models, "broken", ModelBundle.WeightsFile));
        await using var node = NodeProcess.Start(
            ["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", _pki.Scratch("node.db")],
            new Dictionary<string, string> { ["Pipeline__Models__Directory"] = Models });
        await node.WaitForOutputAsync("Scoring with model default@", Patience);

        var refused = await PipelineCli.RunAsync("model", "activate", "broken", "--models", Models);
        var path = await PipelineCli.RunAsync("model", "activate", "../" + Path.GetFileName(Models) + "/pump2", "--models", Models);
        var activated = await PipelineCli.RunAsync("model", "activate", "pump2", "--models", Models);
        await node.WaitForOutputAsync("Model switched from default@", Patience);
        File.WriteAllText(Path.Combine(Models, "ACTIVE"), "broken\n"); // as if someone bypassed the check
        await node.WaitForOutputAsync("Refused model 'broken'", Patience);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("weights.bin is missing", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, path.ExitCode); // a path that leads to a bundle is still not a bundle's name
        Assert.Contains("is not a bundle's name", path.Stderr, StringComparison.Ordinal);
        Assert.True(activated.ExitCode == 0, activated.Stderr);
        Assert.Contains("to pump2@", node.Output, StringComparison.Ordinal);
        Assert.Contains("Still scoring with pump2@", node.Output, StringComparison.Ordinal);
        Assert.False(node.HasExited);
    }

    [Fact]
    public async Task Should_score_a_pinned_sensor_with_its_own_bundle_and_keep_it_across_a_switch()
    {
        CopyDefaultAs("default");
        CopyDefaultAs("pump2");
        CopyDefaultAs("outlet");
        var db = _pki.Scratch("node.db");
        await using var node = NodeProcess.Start(
            ["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db],
            new Dictionary<string, string>
            {
                ["Pipeline__Models__Directory"] = Models,
                [$"Pipeline__Sensors__{TestPki.Device2}__Model"] = "outlet",
            });
        await node.WaitForOutputAsync("pinned: outlet = outlet@", Patience);
        await node.WaitForOutputAsync("Connected to", Patience);
        await Task.WhenAll(
            new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, 70, default),
            new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device2).PublishAsync(1, 70, default));
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM verdicts") == 2 * 11, Patience, () => node.Output);

        var activated = await PipelineCli.RunAsync("model", "activate", "pump2", "--models", Models);
        await node.WaitForOutputAsync("Model switched from default@", Patience);
        // Read 30 s later: a gap (more than 3 sampling periods), so each window refills, then 11 more verdicts each. Sent
        // at once, the pause before them was the model watcher's poll, sometimes under 3 s: no gap, 70 verdicts each.
        static string Later(long seq) => Telemetry.Payload(seq, DateTimeOffset.UtcNow.AddSeconds(30));
        await Task.WhenAll(
            new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(71, 140, default, Later),
            new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device2).PublishAsync(71, 140, default, Later));
        await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM verdicts") == 4 * 11, Patience, () => node.Output);

        Assert.True(activated.ExitCode == 0, activated.Stderr);
        string Models_(string sensor, string where) => NodeDatabase.Text(db,
            $"SELECT group_concat(DISTINCT substr(model_version, 1, instr(model_version, '@') - 1)) FROM verdicts WHERE sensor_id = '{sensor}' AND {where}");
        Assert.Equal("default", Models_(TestPki.Device1, "last_seq <= 70"));
        Assert.Equal("outlet", Models_(TestPki.Device2, "last_seq <= 70"));
        Assert.Equal("pump2", Models_(TestPki.Device1, "last_seq > 70"));
        Assert.Equal("outlet", Models_(TestPki.Device2, "last_seq > 70")); // pinned: the switch does not move it
    }

    [Fact]
    public async Task Should_refuse_to_start_when_a_pinned_bundle_is_missing_and_name_the_setting()
    {
        CopyDefaultAs("default");
        await using var node = NodeProcess.Start(
            ["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", _pki.Scratch("node.db")],
            new Dictionary<string, string>
            {
                ["Pipeline__Models__Directory"] = Models,
                ["Pipeline__Sensors__esp32-09__Model"] = "nowhere",
            });

        var exit = await node.WaitForExitAsync(Patience);

        Assert.NotEqual(0, exit);
        Assert.Contains("Pipeline:Sensors:esp32-09:Model 'nowhere'", node.Output, StringComparison.Ordinal);
    }

    public async Task DisposeAsync() => await _mosquitto.DisposeAsync();

    public void Dispose() => _pki.Dispose();
}
