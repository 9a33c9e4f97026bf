using System.Diagnostics;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Host.Training;

/// <summary>
/// Trains (or fine-tunes) the LSTM autoencoder with TorchSharp on normal data: scaler fitted on the training part,
/// train/validation split in time order, Adam on MSE, early stopping on the validation loss, deterministic for a
/// seed; then calibrates the thresholds on the validation windows.
/// </summary>
public static class Trainer
{
    public static ModelBundle Train(SignalTable data, TrainingOptions options, IProgress<EpochReport>? progress = null, ModelBundle? start = null, string source = "")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Checked();
        OneDnnPrecision.Ensure();
        var signals = start?.Manifest.Signals ?? (options.Signals.Count > 0 ? [.. options.Signals] : data.Signals);
        var window = start?.Manifest.Window ?? options.Window;
        var table = data.Select(signals).CompleteRows(); // a row with an unreadable cell of these signals is left out
        var validationRows = Math.Max(window, (int)(table.Count * options.ValidationFraction));
        var trainRows = table.Count - validationRows;
        if (trainRows < window * 2)
        {
            throw new ArgumentException($"{table.Count} rows are too few for windows of {window} with {options.ValidationFraction:P0} held out");
        }

        var train = table.Slice(0, trainRows);
        var validation = table.Slice(trainRows, validationRows);
        var scaler = Scaler.Fit(train.Rows, signals.Length);
        var architecture = start?.Architecture ?? new ModelArchitecture(window, signals.Length, options.Hidden, options.Layers);
        var trainWindows = Scaled(train, window, options.Stride, scaler, out var trainCount);
        var validationWindows = Scaled(validation, window, 1, scaler, out var validationCount);
        if (trainCount == 0 || validationCount == 0)
        {
            throw new ArgumentException(
                $"the {table.Count} rows make {trainCount} training and {validationCount} held-out windows of {window} rows: too few to train on"
                + " (rows left out split the rest into runs shorter than a window)");
        }

        var previousThreads = get_num_threads();
        set_num_threads(1); // one thread: the same seed gives the same weights
        try
        {
            using var module = TorchRandom.Seeded(options.Seed, () => new LstmAutoencoderModule(architecture));
            if (start is not null)
            {
                module.LoadWeights(start.Weights);
            }

            var best = (Loss: double.MaxValue, Epoch: 0, Weights: module.ExportWeights(), TrainLoss: double.NaN);
            var epochsRun = 0;
            using var optimizer = new AdamOptimizer(module.parameters(), options.LearningRate);
            var shuffle = new Random(options.Seed);
            var order = Enumerable.Range(0, trainCount).ToArray();
            var clock = Stopwatch.StartNew();
            for (var epoch = 1; epoch <= options.Epochs; epoch++)
            {
                epochsRun = epoch;
                shuffle.Shuffle(order);
                module.train();
                var trainLoss = 0.0;
                for (var start0 = 0; start0 < trainCount; start0 += options.BatchSize)
                {
                    var batch = order.AsSpan(start0, Math.Min(options.BatchSize, trainCount - start0));
                    using var scope = NewDisposeScope();
                    var input = Batch(trainWindows, batch, architecture);
                    var loss = nn.functional.mse_loss(module.call(input), input);
                    module.zero_grad();
                    loss.backward();
                    optimizer.Step();
                    trainLoss += loss.item<float>() * batch.Length;
                }

                trainLoss /= trainCount;
                var validationLoss = Scores(module, validationWindows, validationCount, architecture).Average(s => s.Total);
                var improved = validationLoss < best.Loss;
                if (improved)
                {
                    best = (validationLoss, epoch, module.ExportWeights(), trainLoss);
                }

                progress?.Report(new EpochReport(epoch, options.Epochs, trainLoss, validationLoss, improved, clock.Elapsed));
                if (epoch - best.Epoch >= options.Patience)
                {
                    break;
                }
            }

            module.LoadWeights(best.Weights);

            var validationScores = Scores(module, validationWindows, validationCount, architecture);
            var drifting = start is null ? DriftingSignals.Find(table) : start.Manifest.Drifting;
            var manifest = new ModelManifest
            {
                Name = options.Name,
                CreatedAt = DateTimeOffset.UtcNow,
                Signals = signals,
                Window = window,
                Stride = start?.Manifest.Stride ?? options.Stride,
                Architecture = new ModelManifest.ArchitectureSection("lstm-autoencoder", architecture.Hidden, architecture.Layers),
                Scaler = new ModelManifest.ScalerSection(scaler.Mean, scaler.Std),
                Threshold = Thresholds.Calibrate(validationScores, options.ThresholdQuantile, options.ThresholdMargin, options.ClearFraction),
                // Fine-tuning data is a sensor's few minutes: too short to tell drift from noise, so the base model's say stands.
                Drifting = drifting,
                // Likewise whether the data spans several operating points: the base model's data says, not the sensor's minutes.
                Normal = NormalOperation.Measure(validationScores, start?.Manifest.NormalOrAssumed.OperatingPoints ?? NormalOperation.OperatingPoints(table, drifting)),
                Training = new ModelManifest.TrainingSection(
                    source, table.Count, trainCount, validationCount, epochsRun, best.Epoch,
                    best.TrainLoss, validationScores.Average(s => s.Total), options.Seed, options.LearningRate, start?.Version),
                Weights = ModelBundle.Layout(architecture),
            };
            return new ModelBundle(manifest, module.ExportWeights());
        }
        finally
        {
            set_num_threads(previousThreads);
        }
    }

    private static float[] Scaled(SignalTable table, int window, int stride, Scaler scaler, out int count)
    {
        var values = table.Windows(window, stride, out count);
        scaler.Apply(values);
        return values;
    }

    private static Tensor Batch(float[] windows, ReadOnlySpan<int> indices, ModelArchitecture architecture)
    {
        var size = architecture.Window * architecture.Features;
        var values = new float[indices.Length * size];
        for (var i = 0; i < indices.Length; i++)
        {
            Array.Copy(windows, indices[i] * size, values, i * size, size);
        }

        return tensor(values).reshape(indices.Length, architecture.Window, architecture.Features);
    }

    private static List<WindowScore> Scores(LstmAutoencoderModule module, float[] windows, int count, ModelArchitecture architecture)
    {
        module.eval();
        using var inference = inference_mode();
        var size = architecture.Window * architecture.Features;
        var scores = new List<WindowScore>(count);
        for (var start = 0; start < count; start += 256)
        {
            var n = Math.Min(256, count - start);
            using var scope = NewDisposeScope();
            scores.AddRange(module.Score(tensor(windows.AsSpan(start * size, n * size).ToArray()).reshape(n, architecture.Window, architecture.Features)));
        }

        return scores;
    }
}
