using System.Data.Common;
using System.Text.Json;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing;

/// <summary>How a sensor's calibration maps to the <c>sensor_calibrations</c> table in every provider (vectors as JSON arrays).</summary>
internal static class CalibrationColumns
{
    public static string Upsert(string p) =>
        $"""
        INSERT INTO sensor_calibrations (sensor_id, model_version, mean, std, residual_centre, residual_spread, threshold, readings, calibrated_at, level_mean, level_spread)
        VALUES ({p}sensor, {p}model, {p}mean, {p}std, {p}centre, {p}spread, {p}threshold, {p}readings, {p}at, {p}levelMean, {p}levelSpread)
        ON CONFLICT (sensor_id, model_version) DO UPDATE SET mean = excluded.mean, std = excluded.std, residual_centre = excluded.residual_centre,
            residual_spread = excluded.residual_spread, threshold = excluded.threshold, readings = excluded.readings, calibrated_at = excluded.calibrated_at,
            level_mean = excluded.level_mean, level_spread = excluded.level_spread
        """;

    public static void Bind(DbParameterCollection parameters, SensorCalibration c, string p, Func<string, object, DbParameter> create)
    {
        void Add(string name, object value) => parameters.Add(create(p + name, value));
        Add("sensor", c.SensorId);
        Add("model", c.ModelVersion);
        Add("mean", JsonSerializer.Serialize(c.Mean, StoreJson.Default.SingleArray));
        Add("std", JsonSerializer.Serialize(c.Std, StoreJson.Default.SingleArray));
        Add("centre", JsonSerializer.Serialize(c.ResidualCentre, StoreJson.Default.SingleArray));
        Add("spread", JsonSerializer.Serialize(c.ResidualSpread, StoreJson.Default.SingleArray));
        Add("threshold", (double)c.Threshold);
        Add("readings", c.Readings);
        Add("at", c.CalibratedAt.ToUnixTimeMilliseconds());
        Add("levelMean", JsonSerializer.Serialize(c.Levels?.Level ?? [], StoreJson.Default.SingleArray));
        Add("levelSpread", JsonSerializer.Serialize(c.Levels?.Spread ?? [], StoreJson.Default.SingleArray));
    }

    /// <summary>The columns <see cref="Read"/> reads, in its order.</summary>
    public const string Columns = "sensor_id, model_version, mean, std, residual_centre, residual_spread, threshold, readings, calibrated_at, level_mean, level_spread";

    /// <summary>Rows of <see cref="Columns"/>.</summary>
    public static List<SensorCalibration> Read(DbDataReader rows)
    {
        var calibrations = new List<SensorCalibration>();
        while (rows.Read())
        {
            var (levelMean, levelSpread) = (Floats(rows.GetString(9)), Floats(rows.GetString(10)));
            calibrations.Add(new SensorCalibration(
                rows.GetString(0), rows.GetString(1), Floats(rows.GetString(2)), Floats(rows.GetString(3)), Floats(rows.GetString(4)),
                Floats(rows.GetString(5)), (float)rows.GetDouble(6), rows.GetInt32(7), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(8)),
                levelMean.Length == 0 ? null : new LevelBaseline(levelMean, levelSpread)));
        }

        return calibrations;
    }

    private static float[] Floats(string json) => JsonSerializer.Deserialize(json, StoreJson.Default.SingleArray) ?? [];
}

[System.Text.Json.Serialization.JsonSerializable(typeof(float[]))]
internal sealed partial class StoreJson : System.Text.Json.Serialization.JsonSerializerContext;
