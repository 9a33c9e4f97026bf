using Pipeline.Models.Detection;

namespace Pipeline.Host.Training;

/// <summary>How <see cref="Trainer"/> trains; the defaults are the settings the SKAB recipe uses (docs/models.md).</summary>
public sealed record TrainingOptions
{
    public string Name { get; init; } = "model";

    /// <summary>Signals to use, in order; empty: every numeric signal in the data.</summary>
    public IReadOnlyList<string> Signals { get; init; } = [];

    public int Window { get; init; } = 30;

    public int Stride { get; init; } = 1;

    public int Hidden { get; init; } = 32;

    public int Layers { get; init; } = 1;

    public int Epochs { get; init; } = 30;

    public int BatchSize { get; init; } = 64;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Stop when the validation loss has not improved for this many epochs.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>The newest part of the data (in time order) held out for validation and threshold calibration.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    public int Seed { get; init; } = 7;

    /// <summary>Threshold = this quantile of the held-out normal windows' scores ...</summary>
    public double ThresholdQuantile { get; init; } = 0.99;

    /// <summary>... times this margin.</summary>
    public double ThresholdMargin { get; init; } = 1.0;

    /// <summary>An anomaly clears below this fraction of the threshold (hysteresis).</summary>
    public double ClearFraction { get; init; } = 0.75;
}

/// <summary>One epoch of training, for the progress bar and the report.</summary>
public sealed record EpochReport(int Epoch, int Epochs, double TrainLoss, double ValidationLoss, bool Improved, TimeSpan Elapsed);
