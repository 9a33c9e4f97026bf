namespace Pipeline.Models.Detection;

/// <summary>
/// One sensor's own calibration of one model, fitted on its learning period (<see cref="Commissioning.Calibrate"/>);
/// the weights stay the model's. Valid only for <paramref name="ModelVersion"/>.
/// <list type="bullet">
/// <item><paramref name="Mean"/>, <paramref name="Std"/>: the scaler the sensor's raw values are standardised with.</item>
/// <item><paramref name="ResidualCentre"/>, <paramref name="ResidualSpread"/>: what each signal's window residual
/// (mean of input minus reconstruction) normally is for this sensor, and how far it normally moves.</item>
/// <item><paramref name="Threshold"/>: the deviation (<see cref="Deviation"/>) above which a window is anomalous.</item>
/// <item><paramref name="Levels"/>: what its steady signals' levels normally do, for the level watch
/// (<see cref="LevelShiftWatch"/>); null when its model does not watch levels, or the calibration predates the watch.</item>
/// </list>
/// </summary>
public sealed record SensorCalibration(
    string SensorId,
    string ModelVersion,
    float[] Mean,
    float[] Std,
    float[] ResidualCentre,
    float[] ResidualSpread,
    float Threshold,
    int Readings,
    DateTimeOffset CalibratedAt,
    LevelBaseline? Levels = null)
{
    /// <summary>
    /// What a sensor is judged by while it learns: the model's scaler, its held-out windows' residual statistics and
    /// their largest deviation as the threshold. Its verdicts are marked learning and raise no alarm.
    /// </summary>
    public static SensorCalibration Provisional(string sensorId, ModelBundle model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var manifest = model.Manifest;
        var normal = manifest.NormalOrAssumed;
        return new SensorCalibration(sensorId, model.Version, manifest.Scaler.Mean, manifest.Scaler.Std,
            normal.ResidualCentre, normal.ResidualSpread, normal.LargestDeviation, 0, DateTimeOffset.MinValue);
    }

    /// <summary>
    /// A learning period whose residuals spread this many times as far as the model's held-out normal windows did was
    /// not normal operation. Measured (docs/models.md): normal learning periods 0.4-2.6 x on the simulator, 0.8-1.3 x on
    /// SKAB's valve1; a leak, blockage or bearing fault during learning 27-84 x.
    /// </summary>
    public const double FarOffRatio = 10;

    /// <summary>
    /// Why this calibration is doubtful, or null: its learning period was not normal operation (a fault, a start-up, a
    /// sensor unlike the model's data) — its threshold and centre came from that, and it could hardly alarm (#20). The
    /// node keeps it, says so, and shows it in the sensor's health until it is recommissioned.
    /// </summary>
    public string? Doubt(ModelManifest model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Readings == 0)
        {
            return null;
        }

        var normal = model.NormalOrAssumed;
        var widened = CommissioningRule.For(model).ModelSpread;
        var (signal, ratio) = model.Signals.Select((name, f) =>
        {
            var modelSpread = widened * normal.ResidualSpread[f];
            var own = Math.Sqrt(Math.Max(0, ((double)ResidualSpread[f] * ResidualSpread[f]) - (modelSpread * modelSpread)));
            return (Name: name, Ratio: own / normal.ResidualSpread[f]);
        }).MaxBy(x => x.Ratio);
        return ratio > FarOffRatio
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"its {signal} moved {ratio:0} x as much during its learning period as in {ModelVersion}'s own normal data: that was probably not normal operation (a fault, a start-up), and the sensor can hardly alarm now; recommission it once it runs normally (pipeline sensors recommission {SensorId})")
            : null;
    }

    /// <summary>
    /// How far out a window is: each signal's residual standardised by this sensor's centre and spread, squared
    /// (<paramref name="perSignal"/>, filled), and the largest of them (returned).
    /// </summary>
    public float Deviation(WindowScore score, Span<float> perSignal)
    {
        var largest = 0f;
        for (var f = 0; f < ResidualCentre.Length; f++)
        {
            var z = (score.Residual[f] - ResidualCentre[f]) / ResidualSpread[f];
            perSignal[f] = z * z;
            largest = Math.Max(largest, perSignal[f]);
        }

        return largest;
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
