using Microsoft.Data.Sqlite;
using Pipeline.Models.Data;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Storing;

/// <summary>Reading a sensor's stored history as training data.</summary>
public sealed partial class SqliteStore
{
    /// <summary>The readings of <paramref name="sensorId"/> (the only sensor, when null) between the times given, in order.</summary>
    public SignalTable ReadSignalTable(string? sensorId, DateTimeOffset? from, DateTimeOffset? to)
    {
        using var reader = OpenReader();
        if (sensorId is null)
        {
            using var sensors = new SqliteCommand("SELECT DISTINCT sensor_id FROM readings LIMIT 2", reader);
            using var rows0 = sensors.ExecuteReader();
            var ids = new List<string>();
            while (rows0.Read())
            {
                ids.Add(rows0.GetString(0));
            }

            sensorId = ids.Count == 1 ? ids[0] : throw new ArgumentException(ids.Count == 0
                ? $"the store '{Path}' holds no readings"
                : $"the store '{Path}' holds several sensors; name one with --sensor");
        }

        using var command = reader.CreateCommand();
        command.CommandText =
            """
            SELECT ts, flow, temperature, pressure, current FROM readings
            WHERE sensor_id = $sensor AND ts >= $from AND ts < $to ORDER BY seq
            """;
        command.Parameters.AddWithValue("$sensor", sensorId);
        command.Parameters.AddWithValue("$from", from?.ToUnixTimeMilliseconds() ?? long.MinValue);
        command.Parameters.AddWithValue("$to", to?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        using var rows = command.ExecuteReader();
        var values = new List<float[]>();
        var times = new List<long>();
        while (rows.Read())
        {
            if (Enumerable.Range(1, 4).Any(rows.IsDBNull))
            {
                continue; // a reading without all four standard signals cannot be a training row
            }

            times.Add(rows.GetInt64(0));
            values.Add([(float)rows.GetDouble(1), (float)rows.GetDouble(2), (float)rows.GetDouble(3), (float)rows.GetDouble(4)]);
        }

        return new SignalTable([.. Signals.Standard], [.. values], [.. times]);
    }
}
