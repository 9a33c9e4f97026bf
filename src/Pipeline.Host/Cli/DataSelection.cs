using System.CommandLine;
using System.Globalization;
using Pipeline.Models.Data;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Cli;

/// <summary>What --data's companions select: a store's sensor and time range, and whether rows known to be anomalous stay.</summary>
internal sealed class DataSelection
{
    private readonly Option<string?> _sensor = new("--sensor") { Description = "The sensor whose readings to use, from a store or a CSV with a 'sensor' column (without it, every sensor's, each one's rows windowed apart)." };
    private readonly Option<DateTimeOffset?> _from = new("--from") { Description = "First measurement time (UTC)." };
    private readonly Option<DateTimeOffset?> _to = new("--to") { Description = "End of the time range (UTC, exclusive)." };
    private readonly Option<bool> _keepAnomalous = new("--keep-anomalous")
    {
        Description = "Train on the rows known to be anomalous too (labelled so, or judged abnormal by the node): when the model that judged them is what is wrong.",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _sensor, _from, _to, _keepAnomalous })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The rows to train on from <paramref name="path"/>, a CSV file or folder or a node's store: of
    /// <paramref name="signals"/> (none: every signal in the data), each row with every one of them; the signals are
    /// chosen with --signals, or are those of <paramref name="model"/> when it is given.
    /// </summary>
    public SignalTable Load(string path, ParseResult result, IReadOnlyList<string> signals, string? model = null)
    {
        var keep = result.GetValue(_keepAnomalous);
        var (sensorId, measuredFrom, measuredUntil) = (result.GetValue(_sensor), result.GetValue(_from), result.GetValue(_to));
        if (!IsStore(path))
        {
            var table = SignalCsv.Read(path);
            ModelCommands.WarnUnreadable(table, "their rows are left out of the training data");
            table = InRange(OneOrEach(table, path, sensorId), path, measuredFrom, measuredUntil);
            return NormalOnly(Of(table, signals, $"'{path}'", model).CompleteRows(), "labelled anomalous in the data (its 'anomaly' or 'label' column)", keep);
        }

        using var store = PipelineStore.OpenExisting(path);
        var rows = store.Readings.ReadSignalTableAsync(sensorId, measuredFrom, measuredUntil, CancellationToken.None).GetAwaiter().GetResult();
        if (rows.Count == 0)
        {
            throw new ArgumentException(
                $"the store '{store.Description}' holds no readings" + (sensorId is null ? string.Empty : $" of sensor '{sensorId}'")
                + (measuredFrom is null && measuredUntil is null ? string.Empty : " in that time range")
                + (sensorId is null ? string.Empty : "; 'pipeline sensors list --store ...' lists its sensors"));
        }

        SayEachSensorApart(rows.SensorIds);
        return NormalOnly(WithEverySignal(Of(rows, signals, $"the store '{store.Description}'" + (sensorId is null ? string.Empty : $" (sensor '{sensorId}')"), model), store.Description, model), "the node judged them abnormal (in windows above the threshold after the learning period or under the anomaly alarm, or stored while a stuck or pulsation alarm stood)", keep);
    }

    /// <summary>The table's <paramref name="signals"/> (none: all of them), each one there or said missing, and by whom it is wanted.</summary>
    private static SignalTable Of(SignalTable table, IReadOnlyList<string> signals, string source, string? model)
    {
        var missing = signals.Where(s => !table.Signals.Contains(s, StringComparer.Ordinal)).ToList();
        return missing.Count > 0
            ? throw new ArgumentException($"{source} has no {string.Join(", ", missing.Select(s => $"'{s}'"))}, which {model ?? "--signals"} takes; it has {string.Join(", ", table.Signals)}")
            : signals.Count == 0 ? table : table.Select(signals);
    }

    /// <summary>
    /// A store keeps each reading as its device sent it, so a sensor's readings may lack a signal others have (a flow
    /// meter without a motor has no current): those readings are left out, and the command says whose and which.
    /// </summary>
    private static SignalTable WithEverySignal(SignalTable table, string store, string? model)
    {
        var (what, hint) = model is null
            ? ("a signal to train on", "--signals names the signals to train on, --sensor one sensor")
            : ($"a signal {model} takes", "--sensor names one sensor");
        var complete = table.CompleteRows();
        if (complete.Count == table.Count)
        {
            return complete;
        }

        var lacking = table.PerSensor()
            .Select(s => (s.Sensor, Rows: s.Readings.Rows.Where(r => Array.Exists(r, float.IsNaN)).ToList()))
            .Where(s => s.Rows.Count > 0)
            .Select(s => $"{s.Sensor}: {s.Rows.Count} of {table.RowsOf(s.Sensor).Length} readings lack {string.Join(", ", table.Signals.Where((_, c) => s.Rows.Exists(r => float.IsNaN(r[c]))))}")
            .ToList();
        if (complete.Count == 0)
        {
            throw new ArgumentException(
                $"no reading in the store '{store}' has all of {string.Join(", ", table.Signals)} ({string.Join("; ", lacking.Take(3))}{(lacking.Count > 3 ? "; ..." : string.Empty)}); {hint}");
        }

        Console.WriteLine($"{table.Count - complete.Count} of {table.Count} readings are left out: they lack {what} ({string.Join(", ", table.Signals)}); {hint}:");
        ModelCommands.ListFirstFew(lacking, lacking.Count);
        return complete;
    }

    /// <summary>
    /// A CSV's rows of <paramref name="sensorId"/>, or without one, every sensor's rows each windowed on their own: a
    /// window of two pumps' readings is nothing a node ever scores.
    /// </summary>
    private static SignalTable OneOrEach(SignalTable table, string path, string? sensorId)
    {
        var sensors = table.SensorIds;
        if (sensorId is null)
        {
            SayEachSensorApart(sensors);
            return table.BySensor();
        }

        return sensors.Count == 0
            ? throw new ArgumentException($"'{path}' names no sensors (no 'sensor' column): --sensor picks one sensor's rows from a CSV with one, or from a store")
            : sensors.Contains(sensorId)
                ? table.OfSensor(sensorId)
                : throw new ArgumentException($"'{path}' holds no rows of sensor '{sensorId}'; its sensors: {CliAction.FirstFew(sensors, 10)}");
    }

    /// <summary>Says, for data of several sensors, that each one's rows are windowed on their own.</summary>
    private static void SayEachSensorApart(IReadOnlyList<string> sensors)
    {
        if (sensors.Count > 1)
        {
            Console.WriteLine($"The data holds {sensors.Count} sensors ({CliAction.FirstFew(sensors, 3)}): each one's rows are windowed on their own; --sensor takes one.");
        }
    }

    /// <summary>The rows measured in [<paramref name="from"/>, <paramref name="until"/>), when either is given.</summary>
    private static SignalTable InRange(SignalTable table, string path, DateTimeOffset? from, DateTimeOffset? until)
    {
        if (from is null && until is null)
        {
            return table;
        }

        var inRange = table.MeasuredBetween(from?.ToUnixTimeMilliseconds() ?? long.MinValue, until?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        return inRange.Count > 0
            ? inRange
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"'{path}' holds no rows measured in that time range; they run from {At(table.TimestampsMs.DefaultIfEmpty().Min())} to {At(table.TimestampsMs.DefaultIfEmpty().Max())} UTC"));
    }

    /// <summary>Training learns normal operation: rows known to be anomalous are left out unless kept, and the command says how many.</summary>
    private static SignalTable NormalOnly(SignalTable table, string why, bool keep)
    {
        var normal = table.NormalRows();
        var known = table.Count - normal.Count;
        if (known > 0)
        {
            Console.WriteLine(keep
                ? $"{known} of {table.Count} rows are known to be anomalous ({why}); kept, as --keep-anomalous asks."
                : $"{known} of {table.Count} rows are left out of the training data: {why}; no window spans where they were. --keep-anomalous keeps them, when the model that judged them is what is wrong.");
            SayWhere(table);
        }

        return keep ? table : normal;
    }

    /// <summary>Where the first few runs of anomalous rows are, by measurement time, so a person can check them against what happened.</summary>
    private static void SayWhere(SignalTable table)
    {
        var runs = table.AnomalousRuns();
        ModelCommands.ListFirstFew(
            runs.Select(run => string.Create(CultureInfo.InvariantCulture,
                $"{At(table.TimestampsMs[run.First])} to {At(table.TimestampsMs[run.Last])} UTC: {run.Last - run.First + 1} rows")),
            runs.Count);
    }

    private static string At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A node's store (a SQLite file by its extension, or a PostgreSQL URI) rather than CSV data.</summary>
    public static bool IsStore(string path) =>
        path.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || Pipeline.Streams.Storing.Postgres.PostgresDatabase.IsUri(path);
}
