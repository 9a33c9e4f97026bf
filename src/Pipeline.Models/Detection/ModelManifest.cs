using System.Text.Json.Serialization;

namespace Pipeline.Models.Detection;

/// <summary><c>model.json</c> of a bundle. See docs/models.md.</summary>
public sealed record ModelManifest
{
    public const int CurrentFormatVersion = 1;

    /// <summary><see cref="NormalSection.OperatingPoints"/> of a model trained on one steady state (SKAB's anomaly-free run).</summary>
    public const string OneOperatingPoint = "one";

    /// <summary><see cref="NormalSection.OperatingPoints"/> of a model trained across set-point changes, stops and starts.</summary>
    public const string SeveralOperatingPoints = "several";

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string Name { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Signal names, in the order of the model's inputs.</summary>
    public required string[] Signals { get; init; }

    public required int Window { get; init; }

    public int Stride { get; init; } = 1;

    public required ArchitectureSection Architecture { get; init; }

    public required ScalerSection Scaler { get; init; }

    public required ThresholdSection Threshold { get; init; }

    /// <summary>
    /// Signals whose level drifted one way through the training data (<see cref="DriftingSignals"/>); empty in bundles
    /// made before it was recorded (the JSON reader sets a missing property to null).
    /// </summary>
    public string[] Drifting { get; init => field = value ?? []; } = [];

    /// <summary>
    /// What normal operation looked like on the held-out windows (<see cref="NormalOperation"/>). Bundles made before it
    /// was recorded get <see cref="NormalSection.Assumed"/> from their thresholds.
    /// </summary>
    public NormalSection? Normal { get; init; }

    /// <summary><see cref="Normal"/>, or for an older bundle what its thresholds imply (<see cref="NormalSection.Assumed"/>).</summary>
    [JsonIgnore]
    public NormalSection NormalOrAssumed => Normal ?? NormalSection.Assumed(this);

    public TrainingSection? Training { get; init; }

    public Dictionary<string, double> Metrics { get; init; } = [];

    public required WeightsSection Weights { get; init; }

    public sealed record ArchitectureSection(string Kind, int Hidden, int Layers);

    public sealed record ScalerSection(float[] Mean, float[] Std);

    /// <param name="Rule">How the thresholds were set, in words.</param>
    /// <param name="Total">A window whose total score exceeds this is anomalous.</param>
    /// <param name="Clear">Below this (hysteresis) an anomaly is over.</param>
    /// <param name="PerSignal">The same rule per signal, to say which signal is off.</param>
    public sealed record ThresholdSection(string Rule, double Quantile, double Margin, float Total, float Clear, float[] PerSignal);

    /// <param name="ResidualCentre">Each signal's mean window residual on the held-out windows (standard units).</param>
    /// <param name="ResidualSpread">Its standard deviation there: the least a sensor's own spread is taken to be.</param>
    /// <param name="LargestDeviation">The largest max-over-signals squared deviation among the held-out windows.</param>
    /// <param name="OperatingPoints"><see cref="OneOperatingPoint"/> or <see cref="SeveralOperatingPoints"/>.</param>
    public sealed record NormalSection(float[] ResidualCentre, float[] ResidualSpread, float LargestDeviation, string OperatingPoints)
    {
        /// <summary>
        /// For a bundle from before the section existed: centre 0, each signal's spread the square root of its
        /// per-signal threshold (a mean squared error bounds the mean's spread), several operating points (the cautious
        /// calibration), and the largest deviation 1 (so the learning period sets the threshold).
        /// </summary>
        public static NormalSection Assumed(ModelManifest manifest)
        {
            ArgumentNullException.ThrowIfNull(manifest);
            return new NormalSection(new float[manifest.Signals.Length], manifest.Threshold.PerSignal.Select(MathF.Sqrt).ToArray(), 1f, SeveralOperatingPoints);
        }
    }

    public sealed record TrainingSection(
        string Source,
        int Rows,
        int TrainWindows,
        int ValidationWindows,
        int Epochs,
        int BestEpoch,
        double TrainLoss,
        double ValidationLoss,
        int Seed,
        double LearningRate,
        string? BaseModel);

    public sealed record WeightsSection(string File, TensorEntry[] Tensors);

    public sealed record TensorEntry(string Name, int[] Shape, long Offset);
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class ModelManifestJson : JsonSerializerContext;
