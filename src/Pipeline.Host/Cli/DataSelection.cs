using System.CommandLine;
using System.Globalization;
using Pipeline.Models.Data;
using Pipeline.Streams.Storing;

namespace Pipeline.Host.Cli;

/// <summary>What --data's companions select: a store's sensor and time range, and whether rows known to be anomalous stay.</summary>
internal sealed class DataSelection
{
    private readonly Option<string?> _sensor = new("--sensor") { Description = "With a .db: the sensor whose readings to use." };
    private readonly Option<DateTimeOffset?> _from = new("--from") { Description = "With a .db: first measurement time (UTC)." };
    private readonly Option<DateTimeOffset?> _to = new("--to") { Description = "With a .db: end of the time range (UTC, exclusive)." };
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

    /// <summary>The rows to train on from <paramref name="path"/>: a CSV file or folder, or a node's store.</summary>
    public SignalTable Load(string path, ParseResult result)
    {
        var keep = result.GetValue(_keepAnomalous);
        if (!IsStore(path))
        {
            var table = SignalCsv.Read(path);
            ModelCommands.WarnUnreadable(table, "their rows are left out of the training data");
            return NormalOnly(table.CompleteRows(), "labelled anomalous in the data (its 'anomaly' or 'label' column)", keep);
        }

        using var store = PipelineStore.OpenExisting(path);
        var (sensorId, measuredFrom, measuredUntil) = (result.GetValue(_sensor), result.GetValue(_from), result.GetValue(_to));
        var rows = store.Readings.ReadSignalTableAsync(sensorId, measuredFrom, measuredUntil, CancellationToken.None).GetAwaiter().GetResult();
        return rows.Count > 0 || sensorId is null
            ? NormalOnly(rows, "the node judged them abnormal (in windows above the threshold after the learning period or under the anomaly alarm, or stored while a stuck or pulsation alarm stood)", keep)
            : throw new ArgumentException(
                $"the store '{store.Description}' holds no readings of sensor '{sensorId}' with all four standard signals"
                + (measuredFrom is null && measuredUntil is null ? string.Empty : " in that time range")
                + "; 'pipeline sensors list --store ...' lists its sensors");
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
