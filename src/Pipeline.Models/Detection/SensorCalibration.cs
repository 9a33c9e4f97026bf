namespace Pipeline.Models.Detection;

/// <summary>
/// One sensor's own calibration of one model, from its learning period (<see cref="Commissioning"/>): its scaler and
/// thresholds; the weights stay the model's. Valid only for <paramref name="ModelVersion"/>.
/// </summary>
public sealed record SensorCalibration(
    string SensorId,
    string ModelVersion,
    float[] Mean,
    float[] Std,
    float Threshold,
    float[] PerSignal,
    int Readings,
    DateTimeOffset CalibratedAt)
{
    /// <summary>Commissions <paramref name="model"/> on <paramref name="learned"/> (the sensor's learning rows).</summary>
    public static SensorCalibration Learn(
        string sensorId, ModelBundle model, Data.SignalTable learned, CommissioningRule rule, DateTimeOffset at, Func<ModelBundle, IWindowScorer>? scorer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(learned);
        var commissioned = Commissioning.Calibrate(model, learned, rule, scorer).Manifest;
        return new SensorCalibration(
            sensorId, model.Version, commissioned.Scaler.Mean, commissioned.Scaler.Std, commissioned.Threshold.Total,
            commissioned.Threshold.PerSignal, learned.Count, at);
    }

    /// <summary>
    /// Rewrites raw window values (W x F) in place so that the model's own scaler, which every backend applies,
    /// standardises them with this sensor's: x' = (x - mean) / std x std_model + mean_model. The backends stay
    /// untouched and batches can mix sensors.
    /// </summary>
    public void Rescale(Span<float> values, ModelManifest.ScalerSection model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var features = Mean.Length;
        for (var i = 0; i < values.Length; i++)
        {
            var f = i % features;
            values[i] = ((values[i] - Mean[f]) / Std[f] * model.Std[f]) + model.Mean[f];
        }
    }
}

/// <summary>Where sensors' calibrations are kept, so that they survive a restart and follow a sensor to another node.</summary>
public interface ISensorCalibrations
{
    /// <summary>The sensor's calibration of <paramref name="modelVersion"/>, or null when it has none (it learns).</summary>
    Task<SensorCalibration?> LoadCalibrationAsync(string sensorId, string modelVersion, CancellationToken cancellation);

    /// <summary>Every sensor's calibration of <paramref name="modelVersion"/>.</summary>
    Task<IReadOnlyList<SensorCalibration>> LoadCalibrationsAsync(string modelVersion, CancellationToken cancellation);

    Task SaveCalibrationAsync(SensorCalibration calibration, CancellationToken cancellation);

    /// <summary>Forgets a sensor's calibrations of every model (a recommission); returns how many there were.</summary>
    Task<int> DeleteCalibrationsAsync(string sensorId, CancellationToken cancellation);
}
