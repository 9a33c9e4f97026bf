using System.Data.Common;
using System.Text.Json;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing;

/// <summary>How a sensor's calibration maps to the <c>sensor_calibrations</c> table in every provider (vectors as JSON arrays).</summary>
internal static class CalibrationColumns
{
    public static string Upsert(string p) =>
        $"""
        INSERT INTO sensor_calibrations (sensor_id, model_version, mean, std, threshold, per_signal, readings, calibrated_at)
        VALUES ({p}sensor, {p}model, {p}mean, {p}std, {p}threshold, {p}perSignal, {p}readings, {p}at)
        ON CONFLICT (sensor_id, model_version) DO UPDATE SET mean = excluded.mean, std = excluded.std, threshold = excluded.threshold,
            per_signal = excluded.per_signal, readings = excluded.readings, calibrated_at = excluded.calibrated_at
        """;

    public static void Bind(DbParameterCollection parameters, SensorCalibration c, string p, Func<string, object, DbParameter> create)
    {
        void Add(string name, object value) => parameters.Add(create(p + name, value));
        Add("sensor", c.SensorId);
        Add("model", c.ModelVersion);
        Add("mean", JsonSerializer.Serialize(c.Mean, StoreJson.Default.SingleArray));
        Add("std", JsonSerializer.Serialize(c.Std, StoreJson.Default.SingleArray));
        Add("threshold", (double)c.Threshold);
        Add("perSignal", JsonSerializer.Serialize(c.PerSignal, StoreJson.Default.SingleArray));
        Add("readings", c.Readings);
        Add("at", c.CalibratedAt.ToUnixTimeMilliseconds());
    }

    /// <summary>Rows of (sensor_id, model_version, mean, std, threshold, per_signal, readings, calibrated_at).</summary>
    public static List<SensorCalibration> Read(DbDataReader rows)
    {
        var calibrations = new List<SensorCalibration>();
        while (rows.Read())
        {
            calibrations.Add(new SensorCalibration(
                rows.GetString(0), rows.GetString(1), Floats(rows.GetString(2)), Floats(rows.GetString(3)), (float)rows.GetDouble(4),
                Floats(rows.GetString(5)), rows.GetInt32(6), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(7))));
        }

        return calibrations;
    }

    private static float[] Floats(string json) => JsonSerializer.Deserialize(json, StoreJson.Default.SingleArray) ?? [];
}

[System.Text.Json.Serialization.JsonSerializable(typeof(float[]))]
internal sealed partial class StoreJson : System.Text.Json.Serialization.JsonSerializerContext;
