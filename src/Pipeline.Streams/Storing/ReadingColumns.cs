using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Pipeline.Models.Data;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Models.Topics;

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

        return Encoding.UTF8.GetString(Json(reading, stamped: false, name => !Standard.Contains(name)).Span);
    }

    /// <summary>The reading's signals that <paramref name="include"/> takes as one JSON object, after its time and sequence number when <paramref name="stamped"/>.</summary>
    private static ReadOnlyMemory<byte> Json(Reading reading, bool stamped, Func<string, bool> include)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (stamped)
            {
                json.WriteNumber("ts", reading.TimestampMs);
                json.WriteNumber("seq", reading.Sequence);
            }

            foreach (var (name, value) in reading.Values)
            {
                if (include(name))
                {
                    json.WriteNumber(name, value);
                }
            }

            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
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

    /// <summary>
    /// A reading whose sequence number is stored already with another measurement time (<paramref name="storedMs"/>): a
    /// reject, not a redelivery — a redelivered message is the same message, measured at the same time. Its payload is
    /// the reading as it was decoded (the store never sees the message's bytes).
    /// </summary>
    public static RejectedMessage Reused(Reading reading, long storedMs, DateTimeOffset receivedAt) =>
        new(receivedAt, TopicContract.Telemetry(reading.SensorId), RejectReason.SequenceReused,
            $"seq {reading.Sequence} is stored already, measured at {Utc(storedMs)} UTC; this one was measured at {Utc(reading.TimestampMs)} UTC: "
            + "the device's sequence counter went back (restarted without keeping it?). A reading is kept once per sequence number, so its readings "
            + "are refused until its counter passes the ones stored (docs/storage.md)",
            Json(reading, stamped: true, _ => true));

    private static string Utc(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

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
    /// training window spans two sensors, and drift is found in each one's own rows. The signals are every signal any
    /// sensor's readings carry (<see cref="SignalsOf"/>), NaN where a sensor's readings lack one.
    /// </summary>
    public static SignalTable OfSensors(IReadOnlyList<(string Sensor, SignalTable Rows)> sensors)
    {
        if (sensors.Count == 0)
        {
            return new SignalTable([.. Signals.Standard], [], [], []) { AfterGap = [], Sensors = [] };
        }

        var signals = SignalsOf(sensors.SelectMany(s => s.Rows.Signals));
        return SignalTable.Concat([.. sensors.Select(s => s.Rows.Aligned(signals) with { Sensors = [.. Enumerable.Repeat(s.Sensor, s.Rows.Count)] })]);
    }

    /// <summary>The standard signals among <paramref name="seen"/> in their usual order, then the others in the order first seen.</summary>
    private static string[] SignalsOf(IEnumerable<string> seen)
    {
        var distinct = seen.Distinct(StringComparer.Ordinal).ToList();
        return [.. Signals.Standard.Where(distinct.Contains), .. distinct.Where(s => !Standard.Contains(s))];
    }

    /// <summary>
    /// A sensor's readings as training data, in sequence order: (ts, flow, temperature, pressure, current, seq,
    /// received_at, extra), one parameter <c>@sensor</c>, and <c>@from</c>, <c>@to</c> on the measurement time.
    /// </summary>
    public const string TrainingRowsSql =
        """
        SELECT ts, flow, temperature, pressure, current, seq, received_at, extra FROM readings
        WHERE sensor_id = @sensor AND ts >= @from AND ts < @to ORDER BY seq
        """;

    /// <summary>
    /// Rows of <see cref="TrainingRowsSql"/> as a table of every signal the readings carry — the standard columns any
    /// of them fills, then the <c>extra</c> ones as they first appear — NaN where a reading lacks one (the training
    /// command leaves such readings out and says so, where they lack a signal it trains on); labelled 1 where
    /// <paramref name="notNormal"/> covers the reading, and before a stuck alarm's first covered reading, the run of
    /// the value it repeated. A reading after missing sequence numbers (the device was off, its readings lost) is
    /// after a gap: no training window spans it.
    /// </summary>
    public static SignalTable ToSignalTable(DbDataReader rows, NotNormal notNormal)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var standard in Signals.Standard)
        {
            columns[standard] = columns.Count;
        }

        var values = new List<float[]>();
        var times = new List<long>();
        var labels = new List<int>();
        var afterGap = new List<bool>();
        var stuckStarts = new List<int>();
        var pulsationStarts = new List<int>();
        long? expected = null;
        while (rows.Read())
        {
            var seq = rows.GetInt64(5);
            afterGap.Add(values.Count > 0 && seq != expected);
            expected = seq + 1;
            times.Add(rows.GetInt64(0));
            values.Add(Row(rows, columns));
            var receivedAt = rows.GetInt64(6);
            labels.Add(notNormal.Covers(seq, receivedAt) ? 1 : 0);
            var starts = labels.Count == 1 || labels[^2] == 0 || afterGap[^1];
            if (notNormal.StuckFrom(receivedAt) && starts)
            {
                stuckStarts.Add(labels.Count - 1);
            }

            if (notNormal.PulsationFrom(receivedAt) && starts)
            {
                pulsationStarts.Add(labels.Count - 1);
            }
        }

        // Rows read before a signal first appeared are as wide as the columns were then; a standard column no reading
        // fills (a device that sends only signals of its own) is no signal of this data.
        var names = columns.OrderBy(c => c.Value).Select(c => c.Key).ToArray();
        var filled = Enumerable.Range(0, names.Length).Where(c => c >= Signals.Standard.Count || values.Exists(v => !float.IsNaN(v[c]))).ToArray();
        var table = filled.Length == names.Length && values.TrueForAll(v => v.Length == names.Length)
            ? values // as read: no copy of a store's worth of rows
            : values.Select(v => filled.Select(c => c < v.Length ? v[c] : float.NaN).ToArray()).ToList();
        foreach (var start in stuckStarts)
        {
            LabelStuckRunBefore(start, table, labels, afterGap);
        }

        foreach (var start in pulsationStarts)
        {
            LabelBefore(start, PulsationWatch.Span - 1, labels, afterGap);
        }

        return new SignalTable([.. filled.Select(c => names[c])], [.. table], [.. times], [.. labels]) { AfterGap = [.. afterGap] };
    }

    /// <summary>The current row's signals by column, NaN where it lacks one; a signal of its <c>extra</c> not seen before gets the next column.</summary>
    private static float[] Row(DbDataReader rows, Dictionary<string, int> columns)
    {
        var row = new float[columns.Count];
        for (var i = 0; i < Signals.Standard.Count; i++)
        {
            row[i] = rows.IsDBNull(1 + i) ? float.NaN : (float)rows.GetDouble(1 + i);
        }

        if (rows.IsDBNull(7))
        {
            return row;
        }

        var extra = new Dictionary<string, double>(StringComparer.Ordinal);
        AddExtra(extra, rows.GetString(7));
        foreach (var (name, value) in extra)
        {
            if (!columns.TryGetValue(name, out var column))
            {
                columns[name] = column = columns.Count;
            }

            if (column >= row.Length)
            {
                var known = row.Length;
                Array.Resize(ref row, columns.Count);
                row.AsSpan(known).Fill(float.NaN);
            }

            row[column] = (float)value;
        }

        return row;
    }

    /// <summary>The <paramref name="count"/> rows before <paramref name="start"/>, not across a gap.</summary>
    private static void LabelBefore(int start, int count, List<int> labels, List<bool> afterGap)
    {
        for (var r = start - 1; r >= 0 && r >= start - count && !afterGap[r + 1]; r--)
        {
            labels[r] = 1;
        }
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
            : Enumerable.Range(0, values[start].Length).Where(f => values[start][f] == values[start - 1][f]).ToArray();
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
