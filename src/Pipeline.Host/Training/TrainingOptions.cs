using System.Globalization;
using Pipeline.Models.Detection;
using Pipeline.Models.Settings;

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

    /// <summary>The last part of the data held out for validation and threshold calibration: the newest rows, or of several sensors the last one's.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    public int Seed { get; init; } = 7;

    /// <summary>Threshold = this quantile of the held-out normal windows' scores ...</summary>
    public double ThresholdQuantile { get; init; } = 0.99;

    /// <summary>... times this margin.</summary>
    public double ThresholdMargin { get; init; } = 1.0;

    /// <summary>An anomaly clears below this fraction of the threshold (hysteresis).</summary>
    public double ClearFraction { get; init; } = 0.75;

    /// <summary>
    /// What cannot train, one line each, named by the flag of <c>pipeline train</c> / <c>finetune</c> that sets it: a
    /// window of 0 or an epoch count of -1 failed deep inside TorchSharp or while writing the bundle.
    /// </summary>
    public IEnumerable<string> Problems() =>
        Signals.GroupBy(s => s, StringComparer.Ordinal).Where(s => s.Count() > 1)
            .Select(s => $"--signals names {s.Key} {s.Count()} times; name each signal once (a bundle with it twice does not load)")
            .Concat(SettingRules.Range("--window", Window, 2, 100_000))
            .Concat(SettingRules.Range("--hidden", Hidden, 1, 4096))
            .Concat(SettingRules.Range("--epochs", Epochs, 1, 1_000_000))
            .Concat(AboveZero("--threshold-quantile", ThresholdQuantile, atMost: 1))
            .Concat(AboveZero("--threshold-margin", ThresholdMargin, atMost: double.MaxValue))
            .Concat(AboveZero("--learning-rate", LearningRate, atMost: 1))
            .Concat(SettingRules.Range(nameof(Stride), Stride, 1, 100_000))
            .Concat(SettingRules.Range(nameof(Layers), Layers, 1, 16))
            .Concat(SettingRules.Range(nameof(BatchSize), BatchSize, 1, 1_000_000))
            .Concat(SettingRules.Range(nameof(Patience), Patience, 1, 1_000_000))
            .Concat(AboveZero(nameof(ValidationFraction), ValidationFraction, atMost: 0.9))
            .Concat(AboveZero(nameof(ClearFraction), ClearFraction, atMost: 1));

    /// <summary>These options, or an <see cref="ArgumentException"/> with every <see cref="Problems"/> line.</summary>
    public TrainingOptions Checked()
    {
        var problems = Problems().ToList();
        return problems.Count == 0 ? this : throw new ArgumentException(string.Join(Environment.NewLine, problems));
    }

    private static IEnumerable<string> AboveZero(string key, double value, double atMost) =>
        SettingRules.When(!(value > 0 && value <= atMost), atMost == double.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"{key} is {value}; it must be above 0")
            : string.Create(CultureInfo.InvariantCulture, $"{key} is {value}; it must be above 0 and at most {atMost}"));
}

/// <summary>One epoch of training, for the progress bar and the report.</summary>
public sealed record EpochReport(int Epoch, int Epochs, double TrainLoss, double ValidationLoss, bool Improved, TimeSpan Elapsed);
