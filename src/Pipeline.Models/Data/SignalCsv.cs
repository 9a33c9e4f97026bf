using System.Globalization;

namespace Pipeline.Models.Data;

/// <summary>
/// Reads signal tables from CSV: our export (<c>,</c>-separated: <c>ts</c> in Unix ms, optional <c>sensor</c>,
/// <c>seq</c>, <c>anomaly</c>, then named signals) and SKAB's (<c>;</c>-separated, <c>datetime</c>, SKAB column names
/// mapped to ours). A <c>sensor</c> column names each row's sensor (<see cref="SignalTable.Sensors"/>). A folder reads
/// every <c>.csv</c> in it, in name order, one after another, no window across two of them. A signal cell that is
/// not a number (empty, <c>NaN</c>, text) is NaN in its row and named in <see cref="SignalTable.Problems"/>; a line
/// with the wrong number of fields or an unreadable time is an error naming the file and the line.
/// </summary>
public static class SignalCsv
{
    /// <summary>SKAB's columns under the project's signal names (see the SKAB README's mapping).</summary>
    public static readonly IReadOnlyDictionary<string, string> SkabNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Volume Flow RateRMS"] = "flow",
        ["Thermocouple"] = "temperature",
        ["Pressure"] = "pressure",
        ["Current"] = "current",
        ["Accelerometer1RMS"] = "accelerometer1",
        ["Accelerometer2RMS"] = "accelerometer2",
        ["Temperature"] = "motor_temperature",
        ["Voltage"] = "voltage",
    };

    private static readonly HashSet<string> NotSignals = new(StringComparer.OrdinalIgnoreCase)
    {
        "ts", "time", "datetime", "timestamp", "sensor", "sensor_id", "seq", "anomaly", "label", "changepoint", "fault",
    };

    public static SignalTable Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.csv").Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0)
            {
                throw new FileNotFoundException($"'{path}' holds no .csv files.", path);
            }

            return Concat(files.Select(ReadFile).ToList());
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist.", path);
        }

        return ReadFile(path);
    }

    public static SignalTable ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{path}: empty file");
        var separator = header.Contains(';', StringComparison.Ordinal) ? ';' : ',';
        var columns = header.Split(separator).Select(c => c.Trim()).ToArray();
        var time = Array.FindIndex(columns, c => c is "ts" or "datetime" or "time" or "timestamp");
        var label = Array.FindIndex(columns, c => c is "anomaly" or "label");
        var changepoint = Array.IndexOf(columns, "changepoint");
        var sensor = Array.FindIndex(columns, c => c is "sensor" or "sensor_id");
        var signalColumns = Enumerable.Range(0, columns.Length).Where(i => !NotSignals.Contains(columns[i])).ToArray();
        var names = signalColumns.Select(i => SkabNames.GetValueOrDefault(columns[i], columns[i])).ToArray();
        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(n => n.Count() > 1) is { } twice)
        {
            throw new InvalidDataException($"{path}:1: the header names the signal '{twice.Key}' {twice.Count()} times");
        }

        var rows = new List<float[]>();
        var problems = new List<string>();
        var times = new List<long>();
        var labels = label >= 0 ? new List<int>() : null;
        var changes = changepoint >= 0 ? new List<int>() : null;
        var sensors = sensor >= 0 ? new List<string>() : null;
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(separator);
            if (cells.Length != columns.Length)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {cells.Length} fields, the header has {columns.Length}");
            }

            var row = new float[signalColumns.Length];
            for (var s = 0; s < signalColumns.Length; s++)
            {
                if (!float.TryParse(cells[signalColumns[s]], NumberStyles.Float, CultureInfo.InvariantCulture, out row[s]) || !float.IsFinite(row[s]))
                {
                    // One bad cell among thousands of rows is a reading without that signal, not a reason to drop the file.
                    row[s] = float.NaN;
                    problems.Add($"{path}:{lineNumber}: '{cells[signalColumns[s]]}' in column '{columns[signalColumns[s]]}' is not a number");
                }
            }

            rows.Add(row);
            times.Add(time >= 0 ? ParseTime(cells[time], path, lineNumber) : rows.Count * 1000L);
            labels?.Add(ParseFlag(cells[label], columns[label], path, lineNumber));
            changes?.Add(ParseFlag(cells[changepoint], columns[changepoint], path, lineNumber));
            sensors?.Add(cells[sensor].Trim());
        }

        return new SignalTable(names, [.. rows], [.. times], labels?.ToArray(), changes?.ToArray()) { Problems = problems, Sensors = sensors?.ToArray() };
    }

    /// <summary>The files' rows one after another, no window across two of them (<see cref="SignalTable.Concat"/>).</summary>
    private static SignalTable Concat(List<SignalTable> tables) =>
        tables.Skip(1).Any(t => !t.Signals.SequenceEqual(tables[0].Signals))
            ? throw new InvalidDataException("the CSV files of a folder must have the same columns")
            : SignalTable.Concat(tables);

    private static long ParseTime(string cell, string path, int line)
    {
        if (long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            return ms;
        }

        return DateTimeOffset.TryParse(cell, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUnixTimeMilliseconds()
            : throw new InvalidDataException($"{path}:{line}: '{cell}' is neither Unix milliseconds nor a date and time");
    }

    /// <summary>
    /// A label: 1 from 0.5 up (SKAB writes 0.0 and 1.0). One it cannot read stops the file, as a time does: read as 0,
    /// it would silently move every figure computed against it.
    /// </summary>
    private static int ParseFlag(string cell, string column, string path, int line) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? (v >= 0.5 ? 1 : 0)
            : throw new InvalidDataException($"{path}:{line}: '{cell}' in column '{column}' is not a label (0 or 1)");
}
