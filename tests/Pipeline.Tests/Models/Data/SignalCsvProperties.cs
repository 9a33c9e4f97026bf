using System.Globalization;
using CsCheck;
using Pipeline.Models.Data;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Data;

/// <summary>
/// CSV import (train, evaluate) against any file: a table whose every unreadable cell is NaN and named among its
/// problems, or an error that names the file and the line.
/// </summary>
public sealed class SignalCsvProperties : IDisposable
{
    private readonly TempDirectory _temp = new();

    private static readonly Gen<string> Cells = Gen.OneOf(
        Gen.Double.Select(v => v.ToString("R", CultureInfo.InvariantCulture)),
        Gen.Long.Select(v => v.ToString(CultureInfo.InvariantCulture)),
        Gen.OneOf<string>("", "NaN", "1e400", "-", "2026-11-29 10:00:00", "1,5", "\"3\"", " 4 "),
        Gen.String[0, 8]);

    private static readonly Gen<string> Headers = Gen.OneOf(
        Gen.OneOf<string>("ts,flow,pressure", "datetime;Pressure;Current;anomaly;changepoint", "ts,sensor,seq,flow,anomaly", "flow", "", "ts,ts,flow,flow", ";"),
        Gen.String[0, 30]);

    /// <summary>A header and 0-6 lines of 0-6 cells each, separated by commas or semicolons.</summary>
    private static readonly Gen<string> Files = Gen.Select(Headers, Gen.Select(Cells.List[0, 6], Gen.Bool).List[0, 6])
        .Select((header, lines) => string.Join("\n", lines.Select(l => string.Join(l.Item2 ? ";" : ",", l.Item1)).Prepend(header)));

    [Fact]
    public void Should_read_a_table_or_say_which_file_and_line_is_wrong_for_any_text()
    {
        var path = _temp.Combine("data.csv");
        Files.Sample(text =>
        {
            File.WriteAllText(path, text);
            try
            {
                var table = SignalCsv.ReadFile(path);
                return table.Rows.All(r => r.Length == table.Signals.Length && r.All(v => float.IsFinite(v) || float.IsNaN(v)))
                    && table.Rows.Sum(r => r.Count(float.IsNaN)) == table.Problems.Count
                    && table.Problems.All(p => p.StartsWith(path, StringComparison.Ordinal))
                    && table.CompleteRows().Rows.All(r => r.All(float.IsFinite))
                    && table.TimestampsMs.Length == table.Count;
            }
            catch (InvalidDataException e)
            {
                return e.Message.StartsWith(path, StringComparison.Ordinal);
            }
        }, iter: 5_000, threads: 1);
    }

    public void Dispose() => _temp.Dispose();
}
