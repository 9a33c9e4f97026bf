using Npgsql;
using Pipeline.Models.Detection;

namespace Pipeline.Streams.Storing.Postgres;

/// <summary>The <c>sensor_calibrations</c> table in PostgreSQL: a sensor that moves to another node finds its calibration there.</summary>
public sealed class PostgresCalibrationStore(PostgresDatabase database) : ISensorCalibrations
{
    public Task<SensorCalibration?> LoadCalibrationAsync(string sensorId, string modelVersion, CancellationToken cancellation) =>
        database.ReadAsync(async connection =>
        {
            await using var command = new NpgsqlCommand($"SELECT {CalibrationColumns.Columns} FROM sensor_calibrations WHERE sensor_id = @sensor AND model_version = @model", connection);
            command.Parameters.AddWithValue("sensor", sensorId);
            command.Parameters.AddWithValue("model", modelVersion);
            await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            return CalibrationColumns.Read(rows).SingleOrDefault();
        }, cancellation);

    public Task<IReadOnlyList<SensorCalibration>> LoadCalibrationsAsync(string modelVersion, CancellationToken cancellation) =>
        database.ReadAsync<IReadOnlyList<SensorCalibration>>(async connection =>
        {
            await using var command = new NpgsqlCommand($"SELECT {CalibrationColumns.Columns} FROM sensor_calibrations WHERE model_version = @model", connection);
            command.Parameters.AddWithValue("model", modelVersion);
            await using var rows = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
            return CalibrationColumns.Read(rows);
        }, cancellation);

    public Task SaveCalibrationAsync(SensorCalibration calibration, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        return database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(CalibrationColumns.Upsert("@"), connection, transaction);
            CalibrationColumns.Bind(command.Parameters, calibration, string.Empty, (name, value) => new NpgsqlParameter(name, value));
            return await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }, cancellation);
    }

    public Task<int> DeleteCalibrationsAsync(string sensorId, CancellationToken cancellation) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM sensor_calibrations WHERE sensor_id = @sensor", connection, transaction);
            command.Parameters.AddWithValue("sensor", sensorId);
            return await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }, cancellation);
}
