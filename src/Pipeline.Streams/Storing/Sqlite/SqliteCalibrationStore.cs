using Microsoft.Data.Sqlite;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing.Sqlite;

/// <summary>The <c>sensor_calibrations</c> table in SQLite: each sensor's own calibration per model version.</summary>
public sealed class SqliteCalibrationStore(SqliteDatabase database) : ISensorCalibrations
{
    public Task<SensorCalibration?> LoadCalibrationAsync(string sensorId, string modelVersion, CancellationToken cancellation) =>
        database.ReadAsync(connection =>
        {
            using var command = new SqliteCommand($"SELECT {CalibrationColumns.Columns} FROM sensor_calibrations WHERE sensor_id = $sensor AND model_version = $model", connection);
            command.Parameters.AddWithValue("$sensor", sensorId);
            command.Parameters.AddWithValue("$model", modelVersion);
            using var rows = command.ExecuteReader();
            return CalibrationColumns.Read(rows).SingleOrDefault();
        }, cancellation);

    public Task<IReadOnlyList<SensorCalibration>> LoadCalibrationsAsync(string modelVersion, CancellationToken cancellation) =>
        database.ReadAsync<IReadOnlyList<SensorCalibration>>(connection =>
        {
            using var command = new SqliteCommand($"SELECT {CalibrationColumns.Columns} FROM sensor_calibrations WHERE model_version = $model", connection);
            command.Parameters.AddWithValue("$model", modelVersion);
            using var rows = command.ExecuteReader();
            return CalibrationColumns.Read(rows);
        }, cancellation);

    public Task SaveCalibrationAsync(SensorCalibration calibration, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        return database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = CalibrationColumns.Upsert("$");
            CalibrationColumns.Bind(command.Parameters, calibration, "$", (name, value) => new SqliteParameter(name, value));
            return command.ExecuteNonQuery();
        }, cancellation);
    }

    public Task<int> DeleteCalibrationsAsync(string sensorId, CancellationToken cancellation) =>
        database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM sensor_calibrations WHERE sensor_id = $sensor";
            command.Parameters.AddWithValue("$sensor", sensorId);
            return command.ExecuteNonQuery();
        }, cancellation);
}
