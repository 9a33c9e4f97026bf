using System.Globalization;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Telemetry;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Cli;

/// <summary>train, finetune and evaluate through the real command line, on CSV files in both formats.</summary>
[Trait("Category", "Process")]
public sealed class ModelCommandsSpecs : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string WriteSkabCsv(string name, int rows, int seed, int? leakFrom)
    {
        var table = SyntheticPump.Normal(rows, seed, leakFrom);
        var path = _temp.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new StreamWriter(path);
        writer.Write("datetime;Current;Pressure;Thermocouple;Volume Flow RateRMS;anomaly;changepoint\r\n");
        for (var t = 0; t < table.Count; t++)
        {
            var r = table.Rows[t];
            var at = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000 + t).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{at};{r[3]};{r[2]};{r[1]};{r[0]};{table.Labels![t]}.0;{(t == leakFrom ? 1 : 0)}.0\r\n"));
        }

        return path;
    }

    /// <summary>Our export of <paramref name="sensors"/>' rows, 700 each, a sensor after the other as <c>pipeline simulate --csv</c> writes them.</summary>
    private string WriteFleetCsv(string name, params (string Sensor, int Seed)[] sensors)
    {
        const int rows = 700;
        var path = _temp.Combine(name);
        File.WriteAllLines(path, ["ts,sensor,seq,flow,temperature,pressure,current,anomaly,fault"]);
        foreach (var (sensor, seed) in sensors)
        {
            var table = SyntheticPump.Normal(rows, seed);
            File.AppendAllLines(path, Enumerable.Range(0, rows).Select(t => string.Create(CultureInfo.InvariantCulture,
                $"{1_767_225_600_000L + (t * 1000L)},{sensor},{t + 1},{table.Rows[t][0]},{table.Rows[t][1]},{table.Rows[t][2]},{table.Rows[t][3]},0,")));
        }

        return path;
    }

    /// <summary>Empties the pressure cell of data row <paramref name="row"/> (0-based), as a logger that missed it would.</summary>
    private static void BlankPressure(string path, int row)
    {
        var lines = File.ReadAllLines(path);
        var cells = lines[row + 1].Split(';');
        cells[2] = string.Empty;
        lines[row + 1] = string.Join(';', cells);
        File.WriteAllLines(path, lines);
    }

    [Fact]
    public async Task Should_train_a_bundle_then_evaluate_it_with_the_skab_protocol_and_write_predictions()
    {
        var training = WriteSkabCsv("free/anomaly-free.csv", 1500, 1, null);
        BlankPressure(training, 700);
        WriteSkabCsv("group/0.csv", 700, 2, 560);
        BlankPressure(WriteSkabCsv("group/1.csv", 650, 3, 500), 600);
        WriteSkabCsv("group/2.csv", 300, 4, null); // shorter than the learning period
        var model = _temp.Combine("models", "m");
        var predictions = _temp.Combine("p.csv");

        var train = await PipelineCli.RunAsync("train", "--data", training, "--out", model, "--epochs", "3", "--window", "20", "--hidden", "16");
        var evaluate = await PipelineCli.RunAsync("evaluate", "--model", model, "--data", _temp.Combine("group"), "--protocol", "skab", "--predictions", predictions);

        Assert.True(train.ExitCode == 0, train.Stderr + train.Stdout);
        Assert.Contains("epoch   3/3", train.Stdout, StringComparison.Ordinal);
        Assert.Contains("Training report", train.Stdout, StringComparison.Ordinal);
        Assert.Contains("drifting       ", train.Stdout, StringComparison.Ordinal);
        // #20: too little data is said, with what would be enough.
        Assert.Contains("warning: only 1499 rows", train.Stdout, StringComparison.Ordinal); // 1500, one left out (below)
        Assert.Contains($"at least {TrainingData.EnoughRows} rows of normal operation", train.Stdout, StringComparison.Ordinal);
        var bundle = ModelBundle.Load(model);
        Assert.Equal(["current", "pressure", "temperature", "flow"], bundle.Manifest.Signals); // SKAB names mapped, every signal
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr + evaluate.Stdout);
        Assert.Contains("Each file's first 400 rows are the learning period (", evaluate.Stdout, StringComparison.Ordinal);
        Assert.Contains("drifting signals followed: ", evaluate.Stdout, StringComparison.Ordinal);
        Assert.Contains("2.csv                    rows      0  nothing judged: its 300 rows end within the learning period (the first 400)", evaluate.Stdout, StringComparison.Ordinal);
        Assert.Contains("pooled over 3 files", evaluate.Stdout, StringComparison.Ordinal);
        Assert.Contains("NAB change point scores (SKAB's: 30 s after each change point):  standard ", evaluate.Stdout, StringComparison.Ordinal);
        var lines = File.ReadAllLines(predictions);
        Assert.Equal("file,row,score,flag", lines[0]);
        // One unreadable cell is said, with where it was, and costs its row (training) or one window (evaluation).
        Assert.Contains($"warning: 1 cell(s) could not be read; their rows are left out of the training data:\n  {training}:702: '' in column 'Pressure' is not a number", train.Stdout, StringComparison.Ordinal);
        Assert.Contains($"1.csv:602: '' in column 'Pressure' is not a number", evaluate.Stdout, StringComparison.Ordinal);
        Assert.Contains("each is a reading without that signal, and where the model reads it the window starts again after it, as in a node", evaluate.Stdout, StringComparison.Ordinal);
        Assert.Equal(300 + 250 - 20, lines.Length - 1);
        Assert.Equal("0.csv,400", string.Join(',', lines[1].Split(',')[..2]));
    }

    [Fact]
    public async Task Should_train_on_the_normal_rows_only_say_how_many_rows_labelled_anomalous_it_left_out_and_keep_them_when_asked()
    {
        var leaky = WriteSkabCsv("leaky.csv", 1500, 1, 1100);
        var model = _temp.Combine("models", "m");

        var train = await PipelineCli.RunAsync("train", "--data", leaky, "--out", model, "--epochs", "1", "--window", "20", "--hidden", "8");

        Assert.True(train.ExitCode == 0, train.Stderr + train.Stdout);
        Assert.Contains("400 of 1500 rows are left out of the training data: labelled anomalous in the data (its 'anomaly' or 'label' column); no window spans where they were.", train.Stdout, StringComparison.Ordinal);
        Assert.Equal(1100, ModelBundle.Load(model).Manifest.Training!.Rows);
        Assert.Contains("\n  2020-09-13 12:45:00 to 2020-09-13 12:51:39 UTC: 400 rows\n", train.Stdout, StringComparison.Ordinal); // rows 1100-1499, a second each

        // A model that misjudges the pump flags normal readings: the user may keep them.
        var kept = await PipelineCli.RunAsync("train", "--data", leaky, "--out", _temp.Combine("models", "all"), "--epochs", "1", "--window", "20", "--hidden", "8", "--keep-anomalous");
        Assert.True(kept.ExitCode == 0, kept.Stderr + kept.Stdout);
        Assert.Contains("400 of 1500 rows are known to be anomalous (labelled anomalous in the data (its 'anomaly' or 'label' column)); kept, as --keep-anomalous asks.", kept.Stdout, StringComparison.Ordinal);
        Assert.Equal(1500, ModelBundle.Load(_temp.Combine("models", "all")).Manifest.Training!.Rows);
    }

    [Fact]
    public async Task Should_judge_each_sensor_of_a_fleet_file_apart_as_a_node_does_in_the_files_rows()
    {
        var simulated = _temp.Combine("simulated.csv");
        var simulate = await PipelineCli.RunAsync("simulate", "--devices", "2", "--duration", "20m", "--seed", "3", "--fault", "leak:esp32-02@700s+300s", "--csv", simulated);
        Assert.True(simulate.ExitCode == 0, simulate.Stderr + simulate.Stdout);
        var header = File.ReadLines(simulated).First();
        var rows = File.ReadLines(simulated).Skip(1).Select(line => line.Split(',')).ToArray(); // ts,sensor,seq,...
        // The two pumps' rows of each second together, as a hand-made export may hold them; and each pump in a file of its own.
        Directory.CreateDirectory(_temp.Combine("apart"));
        var fleet = _temp.Combine("pumps.csv");
        File.WriteAllLines(fleet, [header, .. rows.OrderBy(r => r[0], StringComparer.Ordinal).ThenBy(r => r[1], StringComparer.Ordinal).Select(r => string.Join(',', r))]);
        foreach (var sensor in new[] { "esp32-01", "esp32-02" })
        {
            File.WriteAllLines(_temp.Combine("apart", sensor + ".csv"), [header, .. rows.Where(r => r[1] == sensor).Select(r => string.Join(',', r))]);
        }

        var model = Path.Combine(Repository.Root, "models", "default");
        var together = await PipelineCli.RunAsync("evaluate", "--model", model, "--data", fleet, "--protocol", "skab", "--predictions", _temp.Combine("together.csv"));
        var apart = await PipelineCli.RunAsync("evaluate", "--model", model, "--data", _temp.Combine("apart"), "--protocol", "skab", "--predictions", _temp.Combine("apart.csv"));

        Assert.True(together.ExitCode == 0, together.Stderr + together.Stdout);
        Assert.True(apart.ExitCode == 0, apart.Stderr + apart.Stdout);
        Assert.Contains("pumps.csv [esp32-01]     rows    800", together.Stdout, StringComparison.Ordinal); // each learns on its own first 400 rows
        Assert.Contains("pumps.csv [esp32-02]     rows    800", together.Stdout, StringComparison.Ordinal);
        Assert.Contains("pooled over 1 files (2 sensors), 1600 scored rows", together.Stdout, StringComparison.Ordinal);
        // Each judged row, by the sensor and sequence number of the file's row it names: the same scores and flags as
        // each pump's rows in a file of their own.
        var fleetRows = File.ReadLines(fleet).Skip(1).Select(line => line.Split(',')).ToArray();
        var judged = File.ReadLines(_temp.Combine("together.csv")).Skip(1).Select(line => line.Split(','))
            .Select(p => (fleetRows[int.Parse(p[1], CultureInfo.InvariantCulture)][1], fleetRows[int.Parse(p[1], CultureInfo.InvariantCulture)][2], p[2], p[3]))
            .Order().ToArray();
        var alone = File.ReadLines(_temp.Combine("apart.csv")).Skip(1).Select(line => line.Split(','))
            .Select(p => (Path.GetFileNameWithoutExtension(p[0]), (int.Parse(p[1], CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture), p[2], p[3]))
            .Order().ToArray();
        Assert.Equal(1600, judged.Length);
        Assert.Equal(alone, judged);
        Assert.Contains(judged, p => p.Item1 == "esp32-02" && p.Item4 == "1"); // the leak is seen
    }

    [Fact]
    public async Task Should_judge_with_the_alarm_settings_of_the_node_whose_settings_file_it_is_given()
    {
        var leak = _temp.Combine("leak.csv");
        var simulate = await PipelineCli.RunAsync("simulate", "--devices", "1", "--duration", "20m", "--seed", "3", "--fault", "leak:esp32-01@700s+300s", "--csv", leak);
        Assert.True(simulate.ExitCode == 0, simulate.Stderr + simulate.Stdout);
        var settings = _temp.Combine("node.json");
        File.WriteAllText(settings, """{ "Pipeline": { "Alarms": { "OnDelayAnomalous": 3, "OnDelayWindows": 3 }, "Store": { "Path": "x.db" } } }""");
        var typo = _temp.Combine("typo.json");
        File.WriteAllText(typo, """{ "Pipeline": { "Alarms": { "OnDelayAnomalous": 0, "OnDelayWindow": 3 } } }""");
        var model = Path.Combine(Repository.Root, "models", "default");

        var tuned = await PipelineCli.RunAsync("evaluate", "--model", model, "--data", leak, "--protocol", "skab", "--config", settings, "--predictions", _temp.Combine("tuned.csv"));
        var refused = await PipelineCli.RunAsync("evaluate", "--model", model, "--data", leak, "--config", typo);

        Assert.True(tuned.ExitCode == 0, tuned.Stderr + tuned.Stdout);
        Assert.Contains($"Alarm settings from {settings}: raised after 3 of 3 windows above the threshold, cleared after 10 below 0.75 x it", tuned.Stdout, StringComparison.Ordinal);
        var bundle = ModelBundle.Load(model);
        var expected = new Pipeline.Models.Evaluation.StreamingEvaluator(bundle, Pipeline.Models.Evaluation.EvaluationProtocol.Skab, new Pipeline.Models.Alarms.AlarmSettings { OnDelayAnomalous = 3, OnDelayWindows = 3 })
            .Evaluate("leak.csv", Pipeline.Models.Data.SignalCsv.ReadFile(leak));
        var byDefault = new Pipeline.Models.Evaluation.StreamingEvaluator(bundle, Pipeline.Models.Evaluation.EvaluationProtocol.Skab).Evaluate("leak.csv", Pipeline.Models.Data.SignalCsv.ReadFile(leak));
        var flags = File.ReadLines(_temp.Combine("tuned.csv")).Skip(1).Select(line => line.Split(',')[3] == "1").ToArray();
        Assert.Equal(expected.Select(p => p.Flag), flags);
        Assert.NotEqual(byDefault.Select(p => p.Flag), flags); // the shorter on-delay flags the leak sooner
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal(
            ["error: Pipeline:Alarms:OnDelayWindow is not a setting (in typo.json); did you mean Pipeline:Alarms:OnDelayWindows?", "error: Pipeline:Alarms:OnDelayAnomalous is 0; it must be between 1 and 10"],
            refused.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Should_train_on_each_sensor_of_a_fleet_file_apart_or_on_the_one_asked_for()
    {
        var fleet = WriteFleetCsv("fleet.csv", ("esp32-01", 21), ("esp32-02", 22), ("esp32-03", 23));
        string[] small = ["--epochs", "1", "--window", "20", "--hidden", "8"];

        var all = await PipelineCli.RunAsync(["train", "--data", fleet, "--out", _temp.Combine("all"), .. small]);
        var one = await PipelineCli.RunAsync(["train", "--data", fleet, "--sensor", "esp32-02", "--out", _temp.Combine("one"), .. small]);
        var early = await PipelineCli.RunAsync(["train", "--data", fleet, "--to", "2026-01-01T00:08:20Z", "--out", _temp.Combine("early"), .. small]);
        var unknown = await PipelineCli.RunAsync(["train", "--data", fleet, "--sensor", "esp32-09", "--out", _temp.Combine("unknown"), .. small]);
        var unnamed = await PipelineCli.RunAsync(["train", "--data", WriteSkabCsv("skab.csv", 600, 1, null), "--sensor", "esp32-01", "--out", _temp.Combine("unnamed"), .. small]);

        Assert.True(all.ExitCode == 0, all.Stderr + all.Stdout);
        Assert.Contains("The data holds 3 sensors (esp32-01, esp32-02, esp32-03): each one's rows are windowed on their own; --sensor takes one.", all.Stdout, StringComparison.Ordinal);
        var training = ModelBundle.Load(_temp.Combine("all")).Manifest.Training!;
        Assert.Equal(2100, training.Rows);
        // No window mixes two pumps: the first 1,680 rows (700 + 700 + 280) are three runs, the newest 420 held out.
        Assert.Equal((681 + 681 + 261, 401), (training.TrainWindows, training.ValidationWindows));
        Assert.True(one.ExitCode == 0, one.Stderr + one.Stdout);
        Assert.Equal(700, ModelBundle.Load(_temp.Combine("one")).Manifest.Training!.Rows);
        Assert.True(early.ExitCode == 0, early.Stderr + early.Stdout);
        Assert.Equal(3 * 500, ModelBundle.Load(_temp.Combine("early")).Manifest.Training!.Rows); // each sensor's first 500 s
        Assert.Equal((1, $"error: '{fleet}' holds no rows of sensor 'esp32-09'; its sensors: esp32-01, esp32-02, esp32-03"), (unknown.ExitCode, unknown.Stderr.Trim()));
        Assert.Equal((1, $"error: '{_temp.Combine("skab.csv")}' names no sensors (no 'sensor' column): --sensor picks one sensor's rows from a CSV with one, or from a store"), (unnamed.ExitCode, unnamed.Stderr.Trim()));
    }

    /// <summary>
    /// A node's store of three pumps' 700 readings each (<see cref="WriteFleetCsv"/>'s), stored as a node stores them:
    /// interleaved second by second, the newest last, each as <paramref name="sent"/> says its device sent it.
    /// </summary>
    private async Task<string> StoreOfFleetAsync(Func<Reading, Reading> sent)
    {
        var fleet = SignalCsv.Read(WriteFleetCsv("fleet.csv", ("esp32-01", 21), ("esp32-02", 22), ("esp32-03", 23)));
        var store = _temp.Combine("pipeline.db");
        using var node = Pipeline.Streams.Storing.PipelineStore.Open(new Pipeline.Streams.Storing.StoreOptions { Path = store });
        var readings = Enumerable.Range(0, 700).SelectMany(t => fleet.SensorIds.Select(sensor =>
            sent(fleet.OfSensor(sensor).ReadingAt(t, sensor, t + 1, 1_767_225_600_000L + (t * 1000L))))).ToList();
        await node.Readings.WriteAsync(readings, [], DateTimeOffset.UtcNow, default);
        return store;
    }

    [Fact]
    public async Task Should_train_on_every_sensor_of_a_nodes_store_each_apart_as_on_a_fleet_file()
    {
        var store = await StoreOfFleetAsync(reading => reading);
        string[] small = ["--epochs", "1", "--window", "20", "--hidden", "8"];

        var all = await PipelineCli.RunAsync(["train", "--data", store, "--out", _temp.Combine("all"), .. small]);
        var one = await PipelineCli.RunAsync(["train", "--data", store, "--sensor", "esp32-02", "--out", _temp.Combine("one"), .. small]);

        Assert.True(all.ExitCode == 0, all.Stderr + all.Stdout);
        Assert.Contains("The data holds 3 sensors (esp32-01, esp32-02, esp32-03): each one's rows are windowed on their own; --sensor takes one.", all.Stdout, StringComparison.Ordinal);
        var training = ModelBundle.Load(_temp.Combine("all")).Manifest.Training!;
        Assert.Equal((2100, 681 + 681 + 261, 401), (training.Rows, training.TrainWindows, training.ValidationWindows)); // as from the fleet's file
        Assert.True(one.ExitCode == 0, one.Stderr + one.Stdout);
        Assert.Equal(700, ModelBundle.Load(_temp.Combine("one")).Manifest.Training!.Rows);
    }

    [Fact]
    public async Task Should_train_from_a_store_on_the_readings_with_every_signal_say_whose_lack_one_and_take_them_on_the_signals_they_carry()
    {
        // esp32-03 is a flow meter without a motor: its device sends no current.
        var store = await StoreOfFleetAsync(r => r.SensorId == "esp32-03" ? r with { Values = r.Values.Where(v => v.Key != "current").ToDictionary() } : r);
        string[] small = ["--epochs", "1", "--window", "20", "--hidden", "8"];

        var all = await PipelineCli.RunAsync(["train", "--data", store, "--out", _temp.Combine("all"), .. small]);
        var three = await PipelineCli.RunAsync(["train", "--data", store, "--signals", "flow,temperature,pressure", "--out", _temp.Combine("three"), .. small]);
        var meter = await PipelineCli.RunAsync(["train", "--data", store, "--sensor", "esp32-03", "--out", _temp.Combine("meter"), .. small]);
        var finetuned = await PipelineCli.RunAsync(["finetune", "--model", _temp.Combine("all"), "--data", store, "--out", _temp.Combine("tuned"), "--epochs", "1", "--to", "2026-01-01T00:01:40Z"]);
        var meterFinetuned = await PipelineCli.RunAsync(["finetune", "--model", _temp.Combine("all"), "--data", store, "--sensor", "esp32-03", "--out", _temp.Combine("tuned"), "--epochs", "1"]);

        Assert.True(all.ExitCode == 0, all.Stderr + all.Stdout);
        Assert.Contains("700 of 2100 readings are left out: they lack a signal to train on (flow, temperature, pressure, current); --signals names the signals to train on, --sensor one sensor:\n  esp32-03: 700 of 700 readings lack current\n", all.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(1400, ModelBundle.Load(_temp.Combine("all")).Manifest.Training!.Rows);
        Assert.True(three.ExitCode == 0, three.Stderr + three.Stdout);
        Assert.DoesNotContain("left out", three.Stdout, StringComparison.Ordinal);
        var threeSignals = ModelBundle.Load(_temp.Combine("three")).Manifest;
        Assert.Equal(2100, threeSignals.Training!.Rows);
        Assert.Equal(["flow", "temperature", "pressure"], threeSignals.Signals);
        Assert.True(meter.ExitCode == 0, meter.Stderr + meter.Stdout);
        Assert.Equal(["flow", "temperature", "pressure"], ModelBundle.Load(_temp.Combine("meter")).Manifest.Signals); // the signals its readings carry
        var model = ModelBundle.Load(_temp.Combine("all")).Version;
        Assert.True(finetuned.ExitCode == 0, finetuned.Stderr + finetuned.Stdout);
        Assert.Contains($"100 of 300 readings are left out: they lack a signal {model} takes (flow, temperature, pressure, current); --sensor names one sensor:", finetuned.Stdout, StringComparison.Ordinal);
        Assert.Equal(200, ModelBundle.Load(_temp.Combine("tuned")).Manifest.Training!.Rows);
        Assert.Equal(1, meterFinetuned.ExitCode);
        Assert.Equal($"error: the store '{store}' (sensor 'esp32-03') has no 'current', which {model} takes; it has flow, temperature, pressure", meterFinetuned.Stderr.Trim());
    }

    /// <summary>A small bundle trained through the CLI, to start fine-tuning from.</summary>
    private async Task<string> TrainBaseAsync()
    {
        var model = _temp.Combine("models", "base");
        await PipelineCli.RunAsync("train", "--data", WriteSkabCsv("a.csv", 1200, 4, null), "--out", model, "--epochs", "2", "--window", "20", "--hidden", "16");
        return model;
    }

    [Fact]
    public async Task Should_finetune_from_a_bundle_keeping_its_signals_and_window()
    {
        var newData = WriteSkabCsv("b.csv", 600, 5, null);
        var model = await TrainBaseAsync();
        var tuned = _temp.Combine("models", "tuned");

        var finetune = await PipelineCli.RunAsync("finetune", "--model", model, "--data", newData, "--out", tuned, "--epochs", "2");

        Assert.True(finetune.ExitCode == 0, finetune.Stderr + finetune.Stdout);
        var before = ModelBundle.Load(model);
        var after = ModelBundle.Load(tuned);
        Assert.Equal(before.Manifest.Signals, after.Manifest.Signals);
        Assert.Equal(before.Manifest.Window, after.Manifest.Window);
        Assert.Equal(before.Version, after.Manifest.Training!.BaseModel);
        Assert.NotEqual(before.Manifest.Scaler.Mean, after.Manifest.Scaler.Mean);
    }

    [Fact]
    public async Task Should_refit_only_the_scaler_and_thresholds_with_zero_epochs()
    {
        var newData = WriteSkabCsv("b.csv", 400, 6, null);
        var model = await TrainBaseAsync();
        var commissioned = _temp.Combine("models", "sensor-7");

        var finetune = await PipelineCli.RunAsync("finetune", "--model", model, "--data", newData, "--out", commissioned, "--epochs", "0");

        Assert.True(finetune.ExitCode == 0, finetune.Stderr + finetune.Stdout);
        var before = ModelBundle.Load(model);
        var after = ModelBundle.Load(commissioned);
        var expected = Commissioning.Recalibrate(before, Pipeline.Models.Data.SignalCsv.ReadFile(newData));
        Assert.Equal(before.Weights["output.weight"], after.Weights["output.weight"]);
        Assert.Equal(expected.Manifest.Scaler, after.Manifest.Scaler, (a, b) => a.Mean.SequenceEqual(b.Mean) && a.Std.SequenceEqual(b.Std));
        Assert.Equal(expected.Manifest.Threshold.Total, after.Manifest.Threshold.Total);
        Assert.Equal(expected.Manifest.Normal!.LargestDeviation, after.Manifest.Normal!.LargestDeviation);
        Assert.Equal("sensor-7", after.Manifest.Name);
        Assert.Equal(before.Version, after.Manifest.Training!.BaseModel);
        // What it was refitted on, not the base model's training windows.
        Assert.Equal((400, 0, 400 - 20 + 1, 0), (after.Manifest.Training.Rows, after.Manifest.Training.TrainWindows, after.Manifest.Training.ValidationWindows, after.Manifest.Training.Epochs));
        Assert.Contains($"{newData}: 400 rows -> 381 windows refitted on", finetune.Stdout, StringComparison.Ordinal);
        Assert.Contains($"epochs         none: the weights of {before.Version} kept", finetune.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_say_what_is_missing_when_a_folder_holds_no_csv_a_file_no_labels_a_store_not_the_sensor_or_evaluate_a_store_or_the_predictions_folder()
    {
        var empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);
        File.WriteAllText(Path.Combine(empty, "README.txt"), "no data here");
        var store = _temp.Combine("pipeline.db");
        using (var node = Pipeline.Streams.Storing.PipelineStore.Open(new Pipeline.Streams.Storing.StoreOptions { Path = store }))
        {
            await node.Readings.WriteAsync([Telemetry.Reading("esp32-01", 1, DateTimeOffset.UtcNow)], [], DateTimeOffset.UtcNow, default);
        }

        var unlabelled = _temp.Combine("unlabelled.csv");
        File.WriteAllText(unlabelled, "ts,flow,temperature,pressure,current\n1000,100,12,3,3.7\n");

        var evaluated = await PipelineCli.RunAsync("evaluate", "--model", Path.Combine(Repository.Root, "models", "default"), "--data", empty);
        var withoutLabels = await PipelineCli.RunAsync("evaluate", "--model", Path.Combine(Repository.Root, "models", "default"), "--data", unlabelled);
        var trained = await PipelineCli.RunAsync("train", "--data", store, "--sensor", "esp32-99", "--out", _temp.Combine("m"));
        var storeEvaluated = await PipelineCli.RunAsync("evaluate", "--model", Path.Combine(Repository.Root, "models", "default"), "--data", store);
        var nowhere = _temp.Combine("gone", "p.csv");
        var predictionsNowhere = await PipelineCli.RunAsync("evaluate", "--model", Path.Combine(Repository.Root, "models", "default"), "--data", unlabelled, "--predictions", nowhere);
        var predictionsFolder = await PipelineCli.RunAsync("evaluate", "--model", Path.Combine(Repository.Root, "models", "default"), "--data", unlabelled, "--predictions", empty);

        Assert.Equal((1, $"error: '{empty}' holds no .csv files (its subfolders included)."), (evaluated.ExitCode, evaluated.Stderr.Trim()));
        Assert.Equal((1, $"error: {unlabelled}: no 'anomaly' or 'label' column, so nothing to judge the flags against"), (withoutLabels.ExitCode, withoutLabels.Stderr.Trim()));
        Assert.Equal(1, trained.ExitCode);
        Assert.Equal($"error: the store '{store}' holds no readings of sensor 'esp32-99'; 'pipeline sensors list --store ...' lists its sensors", trained.Stderr.Trim());
        Assert.False(Directory.Exists(_temp.Combine("m")));
        Assert.Equal((1, $"error: --predictions {empty}: that is a folder; give the file to write, e.g. {Path.Combine(empty, "predictions.csv")}"), (predictionsFolder.ExitCode, predictionsFolder.Stderr.Trim()));
        Assert.Equal((1, $"error: --predictions {nowhere}: the folder '{_temp.Combine("gone")}' does not exist (said before evaluating, not after)"), (predictionsNowhere.ExitCode, predictionsNowhere.Stderr.Trim()));
        Assert.Equal((1, $"error: '{store}' is a store: evaluate judges labelled CSV files (our export with an 'anomaly' column, or SKAB's), and a store holds no labels to judge the flags against"), (storeEvaluated.ExitCode, storeEvaluated.Stderr.Trim()));
    }

    public void Dispose() => _temp.Dispose();
}
