using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Pipeline.Host.Hosting;
using Pipeline.Models.Alarms;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Evaluation;

namespace Pipeline.Host.Cli;

/// <summary><c>pipeline evaluate</c>: labelled files replayed through what a node does with each sensor's readings, and scored.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The bundle to evaluate.", Required = true };
        var data = ModelCommands.DataOption("A folder (or file) of labelled CSV files.");
        var protocol = new Option<string>("--protocol") { Description = $"plain: no learning period, the model's own calibration; skab: each file's first {StreamingEvaluator.SkabLearningRows} rows are the sensor's learning period.", DefaultValueFactory = _ => "plain" };
        protocol.AcceptOnlyFromAmong("plain", "skab");
        var predictions = new Option<string?>("--predictions") { Description = "CSV to write: file,row,score,flag for every judged row." };
        var config = new Option<string?>("--config") { Description = "A node's JSON settings file: its Pipeline:Alarms (on-delay, clearing, level-shift confirmation) judge as that node would. Default: the node's defaults." };
        var command = new Command("evaluate", "Replay labelled files through what a node does with a sensor's readings (window, learning, calibration, alarm on-delay); print F1, false- and missed-alarm rates (point-wise, pooled) and NAB scores.")
        {
            model, data, protocol, predictions, config,
        };
        command.SetAction(result => CliAction.RunAsync(() =>
        {
            var bundle = ModelBundle.Load(result.GetValue(model)!);
            var root = result.GetValue(data)!;
            if (DataSelection.IsStore(root))
            {
                throw new ArgumentException($"'{root}' is a store: evaluate judges labelled CSV files (our export with an 'anomaly' column, or SKAB's), and a store holds no labels to judge the flags against");
            }

            var files = Directory.Exists(root)
                ? Directory.GetFiles(root, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
                : [root];
            if (files.Length == 0)
            {
                throw new FileNotFoundException($"'{root}' holds no .csv files (its subfolders included).", root);
            }

            if (result.GetValue(predictions) is { } written)
            {
                // Said before evaluating, not after minutes of replay.
                if (Directory.Exists(written))
                {
                    throw new ArgumentException($"--predictions {written}: that is a folder; give the file to write, e.g. {Path.Combine(written, "predictions.csv")}");
                }

                if (Path.GetDirectoryName(Path.GetFullPath(written)) is { } folder && !Directory.Exists(folder))
                {
                    throw new DirectoryNotFoundException($"--predictions {written}: the folder '{folder}' does not exist (said before evaluating, not after)");
                }
            }

            var alarms = result.GetValue(config) is { } settings ? NodeAlarms(settings) : new AlarmSettings();
            var skab = result.GetValue(protocol) == "skab";
            var evaluator = new StreamingEvaluator(bundle, skab ? EvaluationProtocol.Skab : EvaluationProtocol.Plain, alarms);
            var rule = CommissioningRule.For(bundle.Manifest);
            Console.WriteLine(skab
                ? $"Each file's first {StreamingEvaluator.SkabLearningRows} rows are the learning period ({bundle.Manifest.NormalOrAssumed.OperatingPoints} operating point(s): scaler {rule.ScalerFit}{(rule.WatchesLevels ? "; levels watched" : string.Empty)}); drifting signals followed: {ModelCommands.Drifting(bundle.Manifest)}"
                : "No learning period: judged by the model's own calibration");

            var all = new List<Prediction>();
            var replays = 0;
            foreach (var file in files)
            {
                var name = Directory.Exists(root) ? Path.GetRelativePath(root, file) : Path.GetFileName(file);
                var table = SignalCsv.ReadFile(file);
                if (table.Labels is null)
                {
                    throw new InvalidDataException($"{file}: no 'anomaly' or 'label' column, so nothing to judge the flags against");
                }

                ModelCommands.WarnUnreadable(table, "each is a reading without that signal, and where the model reads it the window starts again after it, as in a node");
                foreach (var (replay, readings, rows) in Replays(name, table))
                {
                    replays++;
                    var scored = evaluator.Evaluate(replay, readings);
                    if (scored.Count == 0)
                    {
                        // Said, not shown as an F1 of 0: the file is too short to judge anything, not judged badly.
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{replay,-24} rows {0,6}  nothing judged: its {readings.Count} rows {(skab ? $"end within the learning period (the first {StreamingEvaluator.SkabLearningRows})" : $"are fewer than a window ({bundle.Manifest.Window})")}"));
                        continue;
                    }

                    var metrics = StreamingEvaluator.Metrics(scored);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{replay,-24} rows {scored.Count,6}  F1 {metrics.F1:F3}  FAR {metrics.FalseAlarmRate:P2}  MAR {metrics.MissedAlarmRate:P2}"));
                    all.AddRange(rows is null ? scored : scored.Select(p => p with { Row = rows[p.Row] }));
                }
            }

            var pooled = StreamingEvaluator.Metrics(all);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pooled over {files.Length} files{(replays > files.Length ? $" ({replays} sensors)" : string.Empty)}, {pooled.Rows} scored rows:  F1 {pooled.F1:F3}  FAR {pooled.FalseAlarmRate:P2}  MAR {pooled.MissedAlarmRate:P2}"));
            if (ChangepointScore.Score(all) is { } nab)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"NAB change point scores (SKAB's: {ChangepointScore.DefaultWindow.TotalSeconds:0} s after each change point):  {string.Join("  ", nab.Select(n => $"{n.Key.Name} {n.Value:F2}"))}"));
            }

            if (result.GetValue(predictions) is { } output)
            {
                var text = new StringBuilder("file,row,score,flag\n");
                foreach (var p in all)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{p.File},{p.Row},{p.Score:R},{(p.Flag ? 1 : 0)}\n");
                }

                File.WriteAllText(output, text.ToString());
                Console.WriteLine($"Predictions: {output}");
            }

            return CliAction.Ok;
        }));
        return command;
    }

    /// <summary>
    /// What is replayed of one file: the file, or each sensor's rows on their own where it holds several (as
    /// <c>pipeline simulate --csv</c> writes a fleet), as a node judges each sensor apart; <c>Rows</c> numbers them in
    /// the file.
    /// </summary>
    private static IEnumerable<(string Name, SignalTable Readings, int[]? Rows)> Replays(string name, SignalTable table) =>
        table.PerSensor() is { Count: > 1 } sensors
            ? sensors.Select(s => ($"{name} [{s.Sensor}]", s.Readings, (int[]?)s.Rows))
            : [(name, table, null)];

    /// <summary>
    /// The anomaly alarm's settings of the node whose settings file is <paramref name="file"/>, checked as <c>pipeline
    /// run</c> checks them (a key that is no setting, a value out of range: every problem, one line each), and said: a
    /// node tuned to its plant is judged by its own on-delay, not the default one.
    /// </summary>
    private static AlarmSettings NodeAlarms(string file)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(RunCommand.ExistingConfig(file)), optional: false).Build();
        var alarms = SettingsCheck.Group<AlarmSettings>(configuration, PipelineSections.Alarms);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Alarm settings from {file}: raised after {alarms.OnDelayAnomalous} of {alarms.OnDelayWindows} windows above the threshold, cleared after {alarms.ClearWindows} below {alarms.ClearFraction} x it, a level shift confirmed within {alarms.ShiftConfirmWindows} windows"));
        return alarms;
    }
}
