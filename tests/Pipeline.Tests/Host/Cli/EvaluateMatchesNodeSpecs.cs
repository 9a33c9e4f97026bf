using System.Globalization;
using System.Text;
using Pipeline.Models.Detection;
using Pipeline.Models.Security;
using Pipeline.Models.Simulation;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>
/// #14: the figure <c>pipeline evaluate</c> prints is what a node flags. One labelled run — a pump that leaks for a
/// while — is evaluated from a CSV file and sent to a node over MQTT as a device's readings; row by row, the node's
/// anomaly alarm is on exactly where evaluate's flag is — with the shipped model, and with the same model taken as one of
/// a single operating point, whose sensors also watch their levels (the fast path, which the node runs asynchronously
/// around its calibration).
/// </summary>
[Trait("Category", "Process")]
public sealed class EvaluateMatchesNodeSpecs : IAsyncLifetime, IDisposable
{
    private const int Rows = 1200;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256);
    private MosquittoProcess _mosquitto = null!;

    public async Task InitializeAsync() => _mosquitto = await MosquittoProcess.StartAsync(_pki.CertsDirectory, _pki.Scratch("mosquitto"));

    [Theory]
    [InlineData(ModelManifest.SeveralOperatingPoints)]
    [InlineData(ModelManifest.OneOperatingPoint)]
    public async Task Should_flag_the_same_rows_in_evaluate_and_in_a_node_fed_the_same_readings_over_mqtt(string operatingPoints)
    {
        var models = _pki.Scratch("models");
        var bundle = Path.Combine(models, "default");
        Directory.CreateDirectory(bundle);
        File.Copy(Path.Combine(Repository.Root, "models", "default", "weights.bin"), Path.Combine(bundle, "weights.bin"));
        var manifest = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "models", "default", "model.json"));
        await File.WriteAllTextAsync(Path.Combine(bundle, "model.json"),
            manifest.Replace($"\"operatingPoints\": \"{ModelManifest.SeveralOperatingPoints}\"", $"\"operatingPoints\": \"{operatingPoints}\"", StringComparison.Ordinal));

        // For the model of one operating point, a pump that keeps its set point: what such a model is for.
        var pump = new PumpSimulator(TestPki.Device1, 5, [new FaultSpec(FaultKind.Leak, TestPki.Device1, TimeSpan.FromSeconds(700), TimeSpan.FromSeconds(200))],
            setPointChanges: operatingPoints == ModelManifest.SeveralOperatingPoints);
        var samples = Enumerable.Range(1, Rows).Select(i => pump.Step(TimeSpan.FromSeconds(i), TimeSpan.FromSeconds(1))!).ToArray();
        var start = DateTimeOffset.UtcNow.AddSeconds(-Rows - 60);
        var payloads = samples.Select((s, row) => s.ToTelemetryJson(start.AddSeconds(row).ToUnixTimeMilliseconds(), row + 1)).ToArray();
        var csv = new StringBuilder("ts,flow,temperature,pressure,current,anomaly\n");
        foreach (var (sample, row) in samples.Select((s, row) => (s, row)))
        {
            // The values exactly as the device sends them.
            csv.Append(CultureInfo.InvariantCulture, $"{start.AddSeconds(row).ToUnixTimeMilliseconds()},{sample.Flow:0.0},{sample.Temperature:0.00},{sample.Pressure:0.00},{sample.Current:0.00},{(sample.Fault is null ? 0 : 1)}\n");
        }

        var file = _pki.Scratch("run.csv");
        await File.WriteAllTextAsync(file, csv.ToString());
        var predictions = _pki.Scratch("predictions.csv");
        var evaluate = await PipelineCli.RunAsync("evaluate", "--model", bundle, "--data", file,
            "--protocol", "skab", "--predictions", predictions);
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr + evaluate.Stdout);
        var evaluated = File.ReadLines(predictions).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => int.Parse(f[1], CultureInfo.InvariantCulture), f => f[3] == "1");

        var db = _pki.Scratch("node.db");
        await using (var node = NodeProcess.Start(["--broker", _mosquitto.Endpoint.ToString(), "--certs", _pki.CertsDirectory, "--store", db],
            new Dictionary<string, string> { ["Pipeline__Models__Backend"] = "portable", ["Pipeline__Models__Directory"] = models }))
        {
            await node.WaitForOutputAsync("Connected to", Patience);
            await new TelemetryPublisher(_mosquitto.Endpoint, _pki.CertsDirectory, TestPki.Device1).PublishAsync(1, Rows, default, seq => payloads[seq - 1]);
            await Eventually.HoldsAsync(() => NodeDatabase.Scalar(db, "SELECT count(*) FROM verdicts") >= Rows - 59, Patience, () => node.Output);
        }

        var judged = NodeDatabase.Strings(db, "SELECT (last_seq - 1) || ',' || alarm FROM verdicts WHERE learning = 0 ORDER BY last_seq")
            .Select(l => l.Split(',')).ToDictionary(f => int.Parse(f[0], CultureInfo.InvariantCulture), f => f[1] == "1");
        Assert.Equal(evaluated.Keys.Order(), judged.Keys.Order());
        Assert.Equal(evaluated.OrderBy(e => e.Key), judged.OrderBy(j => j.Key));
        if (operatingPoints == ModelManifest.SeveralOperatingPoints)
        {
            Assert.Contains(judged, j => j.Value && j.Key is >= 700 and < 900); // the leak was seen
        }
        else
        {
            // The leak was seen first as a level shift: the rows compared include the fast path's.
            Assert.Contains(NodeDatabase.Strings(db, "SELECT message FROM alarm_events WHERE transition = 'raised'"), m => m.StartsWith("level shift", StringComparison.Ordinal));
        }
    }

    public async Task DisposeAsync() => await _mosquitto.DisposeAsync();

    public void Dispose() => _pki.Dispose();
}
