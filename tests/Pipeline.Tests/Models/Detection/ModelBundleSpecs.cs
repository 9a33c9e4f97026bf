using System.Text.Json.Nodes;
using Pipeline.Host.Training;
using Pipeline.Models.Detection;
using Pipeline.Tests.Host.Training;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

public sealed class ModelBundleSpecs : IDisposable
{
    private static readonly Lazy<ModelBundle> Trained = new(() => Trainer.Train(SyntheticPump.Normal(800), TrainerSpecs.Small with { Epochs = 1 }));

    private readonly TempDirectory _temp = new();

    private string Saved()
    {
        var directory = _temp.Combine("models", "m" + Guid.NewGuid().ToString("N")[..6]);
        Trained.Value.Save(directory);
        return directory;
    }

    private static void EditManifest(string directory, Action<JsonObject> edit)
    {
        var path = Path.Combine(directory, ModelBundle.ManifestFile);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void Should_round_trip_manifest_and_weights_and_score_the_same()
    {
        var loaded = ModelBundle.Load(Saved());

        Assert.Equal(Trained.Value.Manifest.Signals, loaded.Manifest.Signals);
        Assert.Equal(Trained.Value.Manifest.Threshold.Total, loaded.Manifest.Threshold.Total);
        Assert.Equal(Trained.Value.Manifest.Scaler.Mean, loaded.Manifest.Scaler.Mean);
        Assert.Equal(Trained.Value.Version, loaded.Version);
        Assert.Equal(13_444, new ModelArchitecture(60, 4, 32).ParameterCount); // hidden 32, 4 signals: the parameter count TorchSharp reports
        var windows = SyntheticPump.Normal(40).Windows(20, 1, out var count);
        using var before = new PortableDetector(Trained.Value);
        using var after = new PortableDetector(loaded);
        Assert.Equal(before.Score(windows, count).Select(s => s.Total), after.Score(windows, count).Select(s => s.Total));
    }

    [Fact]
    public void Should_name_a_missing_manifest() =>
        Assert.Contains("model.json is missing", Assert.Throws<ModelBundleException>(() => ModelBundle.Load(_temp.Combine("nothing"))).Message, StringComparison.Ordinal);

    [Fact]
    public void Should_name_missing_weights()
    {
        var directory = Saved();
        File.Delete(Path.Combine(directory, ModelBundle.WeightsFile));

        Assert.Contains("weights.bin is missing", Assert.Throws<ModelBundleException>(() => ModelBundle.Load(directory)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_an_unknown_format_version()
    {
        var directory = Saved();
        EditManifest(directory, json => json["formatVersion"] = 99);

        Assert.Contains("format version 99", Assert.Throws<ModelBundleException>(() => ModelBundle.Load(directory)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_weights_of_the_wrong_shape_naming_the_tensor()
    {
        var directory = Saved();
        EditManifest(directory, json => json["architecture"]!["hidden"] = 8);

        var refused = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(directory));
        Assert.Contains("tensor 'encoder.weight_ih_l0' has shape 64x4, but hidden=8 with 4 signals needs 32x4", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_truncated_weights()
    {
        var directory = Saved();
        var path = Path.Combine(directory, ModelBundle.WeightsFile);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..400]);

        Assert.Contains("runs past the end", Assert.Throws<ModelBundleException>(() => ModelBundle.Load(directory)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_nan_weights()
    {
        var directory = Saved();
        var path = Path.Combine(directory, ModelBundle.WeightsFile);
        var bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(float.NaN).CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);

        Assert.Contains("NaN or infinite", Assert.Throws<ModelBundleException>(() => ModelBundle.Load(directory)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_scaler_that_does_not_fit_the_signals()
    {
        var directory = Saved();
        EditManifest(directory, json => json["scaler"]!["std"] = new JsonArray(1, 1));

        Assert.Contains("the scaler needs 4 means and 4 positive standard deviations", Assert.Throws<ModelBundleException>(() => ModelBundle.Load(directory)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_the_drifting_signals_and_refuse_one_the_model_does_not_have()
    {
        var directory = _temp.Combine("models", "drifting");
        new ModelBundle(Trained.Value.Manifest with { Drifting = ["temperature"] }, Trained.Value.Weights).Save(directory);
        Assert.Equal(["temperature"], ModelBundle.Load(directory).Manifest.Drifting);

        EditManifest(directory, json => json["drifting"] = new JsonArray("temperature", "vibration"));

        Assert.Contains("drifting lists 'vibration', which is not one of the model's signals (flow, temperature, pressure, current)",
            Assert.Throws<ModelBundleException>(() => ModelBundle.Load(directory)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_read_a_bundle_made_before_drifting_was_recorded_as_having_none()
    {
        var directory = Saved();
        EditManifest(directory, json => json.Remove("drifting"));

        Assert.Empty(ModelBundle.Load(directory).Manifest.Drifting);
    }

    [Fact]
    public void Should_name_a_signal_the_sensor_does_not_send()
    {
        var refused = Assert.Throws<ModelBundleException>(() => Trained.Value.EnsureSignals("esp32-01", ["flow", "temperature", "current"]));

        Assert.Contains("lists signal 'pressure' but sensor 'esp32-01' sends current, flow, temperature", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
