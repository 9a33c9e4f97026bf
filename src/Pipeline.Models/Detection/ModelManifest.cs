using System.Text.Json.Serialization;

namespace Pipeline.Models.Detection;

/// <summary><c>model.json</c> of a bundle. See docs/models.md.</summary>
public sealed record ModelManifest
{
    public const int CurrentFormatVersion = 1;

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
