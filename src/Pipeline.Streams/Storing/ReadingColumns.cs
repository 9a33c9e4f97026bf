using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Pipeline.Models.Data;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <summary>
/// How a reading maps to the <c>readings</c> table in every provider: the four standard signals in their own columns
/// (null when the reading lacks one), any other signals as one JSON object in <c>extra</c>.
/// </summary>
internal static class ReadingColumns
{
    private static readonly HashSet<string> Standard = new(Signals.Standard, StringComparer.Ordinal);

    /// <summary>The signals that have no column of their own, as a JSON object; null when there are none.</summary>
    public static string? ExtraJson(Reading reading)
    {
        if (!HasExtra(reading))
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in reading.Values)
            {
                if (!Standard.Contains(name))
                {
                    json.WriteNumber(name, value);
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Whether the reading has a signal besides the standard ones (counted, not enumerated: this runs for every reading stored).</summary>
    private static bool HasExtra(Reading reading)
    {
        var standard = 0;
        for (var i = 0; i < Signals.Standard.Count; i++)
        {
            standard += reading.Values.ContainsKey(Signals.Standard[i]) ? 1 : 0;
        }

        return reading.Values.Count > standard;
    }

    public static void AddExtra(Dictionary<string, double> values, string json)
    {
        using var extra = JsonDocument.Parse(json);
        foreach (var property in extra.RootElement.EnumerateObject())
        {
            values[property.Name] = property.Value.GetDouble();
        }
    }

    /// <summary>The current row of (seq, ts, flow, temperature, pressure, current, extra) as a reading of <paramref name="sensorId"/>.</summary>
    public static Reading Read(DbDataReader rows, string sensorId)
    {
        var values = new Dictionary<string, double>(4, StringComparer.Ordinal);
        for (var i = 0; i < Signals.Standard.Count; i++)
        {
            if (!rows.IsDBNull(2 + i))
            {
                values[Signals.Standard[i]] = rows.GetDouble(2 + i);
            }
        }

        if (!rows.IsDBNull(6))
        {
            AddExtra(values, rows.GetString(6));
        }

        return new Reading(sensorId, rows.GetInt64(1), rows.GetInt64(0), values);
    }

    /// <summary>The sensors with readings stored, in name order.</summary>
    public const string SensorsSql = "SELECT DISTINCT sensor_id FROM readings ORDER BY sensor_id";

    /// <summary>
    /// Each sensor's training rows one after another, named by their sensor (<see cref="SignalTable.Sensors"/>): no
    /// training window spans two sensors, and drift is found in each one's own rows.
    /// </summary>
    public static SignalTable OfSensors(IReadOnlyList<(string Sensor, SignalTable Rows)> sensors) =>
        sensors.Count == 0
            ? new SignalTable([.. Signals.Standard], [], [], []) { AfterGap = [], Sensors = [] }
            : SignalTable.Concat([.. sensors.Select(s => s.Rows with { Sensors = [.. Enumerable.Repeat(s.Sensor, s.Rows.Count)] })]);

    /// <summary>
    /// A sensor's readings as training data, in sequence order: (ts, flow, temperature, pressure, current, seq,
    /// received_at), one parameter <c>@sensor</c>, and <c>@from</c>, <c>@to</c> on the measurement time.
    /// </summary>
    public const string TrainingRowsSql =
        """
        SELECT ts, flow, temperature, pressure, current, seq, received_at FROM readings
        WHERE sensor_id = @sensor AND ts >= @from AND ts < @to ORDER BY seq
        """;

    /// <summary>
    /// Rows of <see cref="TrainingRowsSql"/> as a table of the four standard signals, labelled 1 where
    /// <paramref name="notNormal"/> covers the reading, and before a stuck alarm's first covered reading, the run of
    /// the value it repeated. A reading after missing sequence numbers (the device was off, its readings lost) or after
    /// one without all four signals is after a gap: no training window spans it.
    /// </summary>
    public static SignalTable ToSignalTable(DbDataReader rows, NotNormal notNormal)
    {
        var values = new List<float[]>();
        var times = new List<long>();
        var labels = new List<int>();
        var afterGap = new List<bool>();
        var stuckStarts = new List<int>();
        long? expected = null;
        while (rows.Read())
        {
            var seq = rows.GetInt64(5);
            if (Enumerable.Range(1, 4).Any(rows.IsDBNull))
            {
                expected = null; // a reading without all four standard signals cannot be a training row
                continue;
            }

            afterGap.Add(values.Count > 0 && seq != expected);
            expected = seq + 1;
            times.Add(rows.GetInt64(0));
            values.Add([(float)rows.GetDouble(1), (float)rows.GetDouble(2), (float)rows.GetDouble(3), (float)rows.GetDouble(4)]);
            var receivedAt = rows.GetInt64(6);
            labels.Add(notNormal.Covers(seq, receivedAt) ? 1 : 0);
            if (notNormal.StuckFrom(receivedAt) && (labels.Count == 1 || labels[^2] == 0 || afterGap[^1]))
            {
                stuckStarts.Add(labels.Count - 1);
            }
        }

        foreach (var start in stuckStarts)
        {
            LabelStuckRunBefore(start, values, labels, afterGap);
        }

        return new SignalTable([.. Signals.Standard], [.. values], [.. times], [.. labels]) { AfterGap = [.. afterGap] };
    }

    /// <summary>
    /// The rows before <paramref name="start"/>, the first a stuck alarm covers, that repeat the value it stood for: the
    /// signals equal in <paramref name="start"/> and the row before it, walked back while all of them still hold their
    /// value — not only one: a pump at a stop reads 0 flow for as long as it stands, which is no part of the stuck run —
    /// and not across a gap.
    /// </summary>
    private static void LabelStuckRunBefore(int start, List<float[]> values, List<int> labels, List<bool> afterGap)
    {
        var repeated = start == 0 || afterGap[start]
            ? []
            : Enumerable.Range(0, Signals.Standard.Count).Where(f => values[start][f] == values[start - 1][f]).ToArray();
        for (var r = start - 1; repeated.Length > 0 && r >= 0 && repeated.All(f => values[r][f] == values[start][f]); r--)
        {
            labels[r] = 1;
            if (afterGap[r])
            {
                break;
            }
        }
    }
}
