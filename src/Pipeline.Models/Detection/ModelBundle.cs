using System.Runtime.InteropServices;
using System.Text.Json;

namespace Pipeline.Models.Detection;

/// <summary>
/// A trained detector on disk: <c>models/NAME/model.json</c> (everything but the weights) and <c>weights.bin</c>
/// (little-endian float32 tensors, in the order and at the offsets model.json lists). Loading checks all of it.
/// </summary>
public sealed class ModelBundle
{
    public const string ManifestFile = "model.json";
    public const string WeightsFile = "weights.bin";

    public ModelBundle(ModelManifest manifest, IReadOnlyDictionary<string, float[]> weights)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(weights);
        Manifest = manifest;
        Weights = weights;
        Architecture = new ModelArchitecture(manifest.Window, manifest.Signals.Length, manifest.Architecture.Hidden, manifest.Architecture.Layers);
        Version = $"{manifest.Name}@{manifest.CreatedAt:yyyyMMddTHHmmssZ}";
    }

    public ModelManifest Manifest { get; }

    public ModelArchitecture Architecture { get; }

    public IReadOnlyDictionary<string, float[]> Weights { get; }

    public Scaler Scaler => new(Manifest.Scaler.Mean, Manifest.Scaler.Std);

    /// <summary>
    /// Name and creation time: what a verdict records as the model version. Made once: every window asks for it, and a
    /// new string each time was 1.5 % of a steady node's allocations (bench/README.md).
    /// </summary>
    public string Version { get; }

    public static ModelBundle Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var manifestPath = Path.Combine(directory, ManifestFile);
        if (!File.Exists(manifestPath))
        {
            throw new ModelBundleException($"{manifestPath} is missing: not a model bundle (train one with 'pipeline train').");
        }

        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllText(manifestPath), ModelManifestJson.Default.ModelManifest)
                       ?? throw new ModelBundleException($"{manifestPath} is empty.");
        }
        catch (JsonException e)
        {
            throw new ModelBundleException($"{manifestPath} is not a valid model.json: {e.Message}", e);
        }

        if (manifest.FormatVersion != ModelManifest.CurrentFormatVersion)
        {
            throw new ModelBundleException(
                $"{manifestPath} has format version {manifest.FormatVersion}; this Pipeline reads version {ModelManifest.CurrentFormatVersion}.");
        }

        var weightsPath = Path.Combine(directory, manifest.Weights.File);
        if (!File.Exists(weightsPath))
        {
            throw new ModelBundleException($"{weightsPath} is missing (model.json names it as the weights).");
        }

        var raw = File.ReadAllBytes(weightsPath);
        if (raw.Length % sizeof(float) != 0)
        {
            throw new ModelBundleException($"{weightsPath} is {raw.Length} bytes, not a whole number of float32 values.");
        }

        var all = MemoryMarshal.Cast<byte, float>(raw);
        var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var tensor in manifest.Weights.Tensors)
        {
            var length = tensor.Shape.Aggregate(1L, (a, b) => a * b);
            if (tensor.Offset < 0 || tensor.Offset + length > all.Length)
            {
                throw new ModelBundleException(
                    $"{weightsPath}: tensor '{tensor.Name}' ({string.Join('x', tensor.Shape)}) at offset {tensor.Offset} runs past the end ({all.Length} values).");
            }

            weights[tensor.Name] = all.Slice((int)tensor.Offset, (int)length).ToArray();
        }

        var bundle = new ModelBundle(manifest, weights);
        bundle.Validate(directory);
        return bundle;
    }

    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        using (var weights = File.Create(Path.Combine(directory, Manifest.Weights.File)))
        {
            foreach (var tensor in Manifest.Weights.Tensors)
            {
                weights.Write(MemoryMarshal.AsBytes(Weights[tensor.Name].AsSpan()));
            }
        }

        File.WriteAllText(Path.Combine(directory, ManifestFile), JsonSerializer.Serialize(Manifest, ModelManifestJson.Default.ModelManifest));
    }

    /// <summary>The manifest's weights section for weights laid out in <paramref name="architecture"/>'s order.</summary>
    public static ModelManifest.WeightsSection Layout(ModelArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        long offset = 0;
        var entries = new List<ModelManifest.TensorEntry>();
        foreach (var (name, shape) in architecture.Tensors())
        {
            entries.Add(new ModelManifest.TensorEntry(name, shape, offset));
            offset += shape.Aggregate(1, (a, b) => a * b);
        }

        return new ModelManifest.WeightsSection(WeightsFile, [.. entries]);
    }

    /// <summary>Throws when the sensor does not send every signal the model needs, naming the first missing one.</summary>
    public void EnsureSignals(string sensorId, IEnumerable<string> sentSignals)
    {
        ArgumentNullException.ThrowIfNull(sentSignals);
        var sent = sentSignals.ToHashSet(StringComparer.Ordinal);
        var missing = Manifest.Signals.FirstOrDefault(s => !sent.Contains(s));
        if (missing is not null)
        {
            throw new ModelBundleException(
                $"model '{Manifest.Name}' lists signal '{missing}' but sensor '{sensorId}' sends {string.Join(", ", sent.Order(StringComparer.Ordinal))}.");
        }
    }

    private void Validate(string directory)
    {
        var where = Path.Combine(directory, ManifestFile);
        Architecture.Validate();
        var features = Manifest.Signals.Length;
        if (features == 0 || Manifest.Signals.Distinct(StringComparer.Ordinal).Count() != features)
        {
            throw new ModelBundleException($"{where}: signals must be one or more distinct names.");
        }

        if (Manifest.Scaler.Mean.Length != features || Manifest.Scaler.Std.Length != features || Manifest.Scaler.Std.Any(s => !(s > 0)))
        {
            throw new ModelBundleException($"{where}: the scaler needs {features} means and {features} positive standard deviations.");
        }

        if (!(Manifest.Threshold.Total > 0) || Manifest.Threshold.PerSignal.Length != features)
        {
            throw new ModelBundleException($"{where}: the threshold needs a positive total and {features} per-signal values.");
        }

        var unknown = Manifest.Drifting.FirstOrDefault(d => !Manifest.Signals.Contains(d, StringComparer.Ordinal));
        if (unknown is not null)
        {
            throw new ModelBundleException($"{where}: drifting lists '{unknown}', which is not one of the model's signals ({string.Join(", ", Manifest.Signals)}).");
        }

        if (Manifest.Stride < 1)
        {
            throw new ModelBundleException($"{where}: stride must be at least 1.");
        }

        foreach (var (name, shape) in Architecture.Tensors())
        {
            if (!Weights.TryGetValue(name, out var values))
            {
                throw new ModelBundleException($"{where}: weights lack tensor '{name}' that the architecture needs.");
            }

            var declared = Manifest.Weights.Tensors.First(t => t.Name == name).Shape;
            if (!declared.SequenceEqual(shape))
            {
                throw new ModelBundleException(
                    $"{where}: tensor '{name}' has shape {string.Join('x', declared)}, but hidden={Manifest.Architecture.Hidden} with {features} signals needs {string.Join('x', shape)}.");
            }

            if (values.Any(v => !float.IsFinite(v)))
            {
                throw new ModelBundleException($"{where}: tensor '{name}' holds NaN or infinite weights.");
            }
        }
    }
}
