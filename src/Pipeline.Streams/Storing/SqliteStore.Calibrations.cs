using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing;

/// <summary>The <c>sensor_calibrations</c> table: each sensor's own scaler and threshold per model version.</summary>
public sealed partial class SqliteStore : ISensorCalibrations
{
    public IReadOnlyList<SensorCalibration> LoadCalibrations(string modelVersion)
    {
        using var reader = OpenReader();
        using var command = new SqliteCommand(
            """
            SELECT sensor_id, mean, std, threshold, per_signal, readings, calibrated_at
            FROM sensor_calibrations WHERE model_version = $model
            """, reader);
        command.Parameters.AddWithValue("$model", modelVersion);
        using var rows = command.ExecuteReader();
        var calibrations = new List<SensorCalibration>();
        while (rows.Read())
        {
            calibrations.Add(new SensorCalibration(
                rows.GetString(0), modelVersion, Floats(rows.GetString(1)), Floats(rows.GetString(2)), rows.GetFloat(3),
                Floats(rows.GetString(4)), rows.GetInt32(5), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(6))));
        }

        return calibrations;
    }

    public Task SaveCalibrationAsync(SensorCalibration calibration, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        return WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText =
                """
                INSERT INTO sensor_calibrations (sensor_id, model_version, mean, std, threshold, per_signal, readings, calibrated_at)
                VALUES ($sensor, $model, $mean, $std, $threshold, $perSignal, $readings, $at)
                ON CONFLICT (sensor_id, model_version) DO UPDATE SET mean = excluded.mean, std = excluded.std, threshold = excluded.threshold,
                    per_signal = excluded.per_signal, readings = excluded.readings, calibrated_at = excluded.calibrated_at
                """;
            command.Parameters.AddWithValue("$sensor", calibration.SensorId);
            command.Parameters.AddWithValue("$model", calibration.ModelVersion);
            command.Parameters.AddWithValue("$mean", JsonSerializer.Serialize(calibration.Mean, StoreJson.Default.SingleArray));
            command.Parameters.AddWithValue("$std", JsonSerializer.Serialize(calibration.Std, StoreJson.Default.SingleArray));
            command.Parameters.AddWithValue("$threshold", calibration.Threshold);
            command.Parameters.AddWithValue("$perSignal", JsonSerializer.Serialize(calibration.PerSignal, StoreJson.Default.SingleArray));
            command.Parameters.AddWithValue("$readings", calibration.Readings);
            command.Parameters.AddWithValue("$at", calibration.CalibratedAt.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellation);
    }

    /// <summary>Forgets a sensor's calibrations (of every model): a running node notices and the sensor learns again.</summary>
    public Task<int> DeleteCalibrationsAsync(string sensorId, CancellationToken cancellation) =>
        WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM sensor_calibrations WHERE sensor_id = $sensor";
            command.Parameters.AddWithValue("$sensor", sensorId);
            return command.ExecuteNonQuery();
        }, cancellation);

    private static float[] Floats(string json) => JsonSerializer.Deserialize(json, StoreJson.Default.SingleArray) ?? [];
}

[System.Text.Json.Serialization.JsonSerializable(typeof(float[]))]
internal sealed partial class StoreJson : System.Text.Json.Serialization.JsonSerializerContext;
