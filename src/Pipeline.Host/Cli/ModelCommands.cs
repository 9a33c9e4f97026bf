using System.CommandLine;
using System.Globalization;
using Pipeline.Host.Training;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline train</c> and <c>finetune</c> (and <see cref="EvaluateCommand"/>): the LSTM detector's life outside the node.</summary>
internal static class ModelCommands
{
    private static readonly TrainingOptions Defaults = new();

    public static IEnumerable<Command> Create() => [Train(), Finetune(), EvaluateCommand.Create()];

    internal static Option<string> DataOption(string description) => new("--data") { Description = description, Required = true };

    private static Command Train()
    {
        var data = DataOption("A CSV file or folder (our export or SKAB's), or the node's SQLite store (.db).");
        var output = new Option<string>("--out") { Description = "Bundle folder to write, e.g. models/NAME.", Required = true };
        var signals = new Option<string?>("--signals") { Description = "Comma-separated signals, in order. Default: every numeric signal in the data." };
        var window = new Option<int>("--window") { Description = "Window length W (rows).", DefaultValueFactory = _ => Defaults.Window };
        var hidden = new Option<int>("--hidden") { Description = "LSTM hidden size.", DefaultValueFactory = _ => Defaults.Hidden };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs (early stopping may end sooner).", DefaultValueFactory = _ => Defaults.Epochs };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed and data give the same model.", DefaultValueFactory = _ => Defaults.Seed };
        var quantile = new Option<double>("--threshold-quantile") { Description = "Threshold: this quantile of held-out normal scores ...", DefaultValueFactory = _ => Defaults.ThresholdQuantile };
        var margin = new Option<double>("--threshold-margin") { Description = "... times this margin.", DefaultValueFactory = _ => Defaults.ThresholdMargin };
        var selection = new DataSelection();
        var command = new Command("train", "Train an LSTM autoencoder on normal data and calibrate its threshold; writes a model bundle.")
        {
            data, output, signals, window, hidden, epochs, seed, quantile, margin,
        };
        selection.AddTo(command);
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            var path = result.GetValue(data)!;
            var outDir = result.GetValue(output)!;
            var options = (Defaults with
            {
                Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(outDir)),
                Signals = result.GetValue(signals)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                Window = result.GetValue(window),
                Hidden = result.GetValue(hidden),
                Epochs = result.GetValue(epochs),
                Seed = result.GetValue(seed),
                ThresholdQuantile = result.GetValue(quantile),
                ThresholdMargin = result.GetValue(margin),
            }).Checked();
            var table = selection.Load(path, result, options.Signals);
            Console.WriteLine($"Training on {table.Count} rows of {path}: signals {string.Join(", ", options.Signals.Count > 0 ? options.Signals : table.Signals)}; window {options.Window}, hidden {options.Hidden}, seed {options.Seed}");
            foreach (var finding in TrainingData.Review(options.Signals.Count > 0 ? table.Select(options.Signals) : table, options.Window))
            {
                Console.WriteLine(finding);
            }
            var bundle = Trainer.Train(table, options, new EpochPrinter(), source: path);
            bundle.Save(outDir);
            Report(bundle, outDir);
            return CliAction.Ok;
        }));
        return command;
    }

    private static Command Finetune()
    {
        var model = new Option<string>("--model") { Description = "The bundle to start from.", Required = true };
        var data = DataOption("New normal data: a CSV file or folder, or the node's SQLite store (.db).");
        var output = new Option<string>("--out") { Description = "Bundle folder to write.", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs of further training (0: only refit the scaler and thresholds to the new data).", DefaultValueFactory = _ => 5 };
        var rate = new Option<double>("--learning-rate") { Description = "Learning rate (lower than training's).", DefaultValueFactory = _ => Defaults.LearningRate / 10 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => Defaults.Seed };
        var selection = new DataSelection();
        var command = new Command("finetune", "Continue from a bundle on new normal data (fewer epochs, lower learning rate) and recalibrate.")
        {
            model, data, output, epochs, rate, seed,
        };
        selection.AddTo(command);
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            var start = ModelBundle.Load(result.GetValue(model)!);
            var path = result.GetValue(data)!;
            var table = selection.Load(path, result, start.Manifest.Signals, start.Version);
            var outDir = result.GetValue(output)!;
            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(outDir));
            var epochCount = result.GetValue(epochs);
            if (epochCount < 0)
            {
                throw new ArgumentException($"--epochs is {epochCount}; it must be 0 (refit the scaler and thresholds only) or more");
            }

            ModelBundle bundle;
            if (epochCount == 0)
            {
                // The weights kept; the scaler, threshold and normal-operation yardstick refitted to the new data.
                Console.WriteLine($"Recalibrating {start.Version} on {table.Count} rows (scaler and thresholds only, weights kept)");
                var recalibrated = Commissioning.Recalibrate(start, table);
                bundle = new ModelBundle(
                    recalibrated.Manifest with
                    {
                        Name = name,
                        CreatedAt = DateTimeOffset.UtcNow,
                        Training = start.Manifest.Training is { } trained
                            ? trained with { Source = path, Rows = table.Count, TrainWindows = 0, ValidationWindows = table.WindowCount(start.Manifest.Window, 1), Epochs = 0, BestEpoch = 0, BaseModel = start.Version }
                            : null,
                    },
                    recalibrated.Weights);
            }
            else
            {
                var options = Defaults with
                {
                    Name = name,
                    Epochs = epochCount,
                    LearningRate = result.GetValue(rate),
                    Seed = result.GetValue(seed),
                    Patience = 3,
                };
                Console.WriteLine($"Fine-tuning {start.Version} on {table.Count} rows ({options.Epochs} epochs at {options.LearningRate})");
                bundle = Trainer.Train(table, options, new EpochPrinter(), start, path);
            }

            bundle.Save(outDir);
            Report(bundle, outDir);
            return CliAction.Ok;
        }));
        return command;
    }

    /// <summary>Says how many cells could not be read, what became of them, and where the first few are.</summary>
    internal static void WarnUnreadable(SignalTable table, string consequence)
    {
        if (table.Problems.Count == 0)
        {
            return;
        }

        Console.WriteLine($"warning: {table.Problems.Count} cell(s) could not be read; {consequence}:");
        ListFirstFew(table.Problems, table.Problems.Count);
    }

    /// <summary>The first three of <paramref name="lines"/> (made only as they are written), indented, and how many more of <paramref name="count"/> there are.</summary>
    internal static void ListFirstFew(IEnumerable<string> lines, int count)
    {
        const int shown = 3;
        foreach (var line in lines.Take(shown))
        {
            Console.WriteLine($"  {line}");
        }

        if (count > shown)
        {
            Console.WriteLine($"  ... and {count - shown} more");
        }
    }

    internal static string Drifting(ModelManifest manifest) => manifest.Drifting.Length == 0 ? "none" : string.Join(", ", manifest.Drifting);

    private static void Report(ModelBundle bundle, string directory)
    {
        var m = bundle.Manifest;
        var t = m.Training!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            Training report — {bundle.Version}
              data           {t.Source}: {t.Rows} rows -> {(t.Epochs == 0 ? $"{t.ValidationWindows} windows refitted on" : $"{t.TrainWindows} training / {t.ValidationWindows} validation windows (the last fifth held out)")}
              model          LSTM autoencoder, window {m.Window} x {m.Signals.Length} signals ({string.Join(", ", m.Signals)}), hidden {m.Architecture.Hidden}, {bundle.Architecture.ParameterCount:N0} parameters
              epochs         {(t.Epochs == 0 ? $"none: the weights of {t.BaseModel} kept; the scaler, thresholds and normal operation refitted" : $"{t.Epochs} run, best {t.BestEpoch}: train loss {t.TrainLoss:F5}, validation score {t.ValidationLoss:F5}")}
              threshold      {m.Threshold.Total:F5} (clear below {m.Threshold.Clear:F5}); rule: {m.Threshold.Rule}
              per signal     {string.Join(", ", m.Signals.Select((s, i) => $"{s} {m.Threshold.PerSignal[i]:F4}"))}
              drifting       {Drifting(m)}
              bundle         {Path.GetFullPath(directory)}
            """));
    }

    /// <summary>A progress bar with the losses, one line per epoch.</summary>
    private sealed class EpochPrinter : IProgress<EpochReport>
    {
        public void Report(EpochReport value)
        {
            const int width = 20;
            var done = (int)Math.Round(width * (double)value.Epoch / value.Epochs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {value.Epoch,3}/{value.Epochs} [{new string('#', done)}{new string('.', width - done)}] train {value.TrainLoss:F5}  validation {value.ValidationLoss:F5}{(value.Improved ? "  *" : string.Empty)}  {value.Elapsed.TotalSeconds:F1} s"));
        }
    }
}
