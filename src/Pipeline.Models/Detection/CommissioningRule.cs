namespace Pipeline.Models.Detection;

/// <summary>How commissioning fits a sensor's scaler.</summary>
public enum ScalerFit
{
    /// <summary>
    /// The sensor's own mean and spread (the spread no narrower than <see cref="CommissioningRule.SpreadFloor"/> x the
    /// trained one): the learning period's operating point becomes the centre.
    /// </summary>
    Refit,

    /// <summary>
    /// The model's scaler, its centre moved only where the sensor reads clearly offset (more than
    /// <see cref="CommissioningRule.SignificantOffset"/> x the model's normal residual spread): a sensor at another
    /// operating point the model knows keeps the model's scaler, so its later set-point changes, stops and starts look
    /// to the model as they did in training.
    /// </summary>
    SignificantOffset,
}

/// <summary>
/// How a sensor is calibrated on its learning period, chosen by what the model was trained on
/// (<see cref="ModelManifest.NormalSection.OperatingPoints"/>). docs/models.md has the measurements behind both rules.
/// </summary>
/// <param name="ModelSpread">
/// λ: each signal's residual spread is sqrt(own² + (λ x the model's held-out spread)²): a learning period of minutes
/// underestimates how far a residual moves normally.
/// </param>
/// <param name="Margin">The threshold: this times the largest deviation among the learning windows.</param>
/// <param name="AtLeastHeldOut">Never below the largest deviation the model showed on its held-out normal windows.</param>
/// <param name="WatchesLevels">
/// The sensor's steady signals are watched for a step away from their level (<see cref="LevelShiftWatch"/>): for a
/// model of one operating point a level that moves is news; for a pump that changes set point it is Tuesday.
/// </param>
public sealed record CommissioningRule(ScalerFit ScalerFit, double SpreadFloor, double SignificantOffset, double ModelSpread, double Margin, bool AtLeastHeldOut, bool WatchesLevels = false)
{
    /// <summary>
    /// A model of one steady state (SKAB's test rig): the learning period shows that state, so the sensor's own centre
    /// and spread are the best measure of it, and a steady signal that steps away from its level is a change worth an
    /// alarm before the model's window has filled with it. Cross-validated on SKAB's valve1 (docs/models.md): λ 1,
    /// margin 1, levels watched.
    /// </summary>
    public static readonly CommissioningRule OneOperatingPoint = new(ScalerFit.Refit, SpreadFloor: 0.2, SignificantOffset: 0, ModelSpread: 1.0, Margin: 1.0, AtLeastHeldOut: false, WatchesLevels: true);

    /// <summary>
    /// A model of a pump moving between set-points, stops and starts: minutes of learning see one or two of them, so
    /// the sensor keeps the model's scaler (only a clear offset is removed), its spread is widened more, and the threshold
    /// is no lower than what the model's own normal data reached. Measured on 100 simulated pump-hours: 1 false alarm,
    /// every leak, blockage and bearing fault found (docs/models.md).
    /// </summary>
    public static readonly CommissioningRule SeveralOperatingPoints = new(ScalerFit.SignificantOffset, SpreadFloor: 0, SignificantOffset: 3.0, ModelSpread: 2.0, Margin: 1.0, AtLeastHeldOut: true);

    public static CommissioningRule For(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.NormalOrAssumed.OperatingPoints == ModelManifest.OneOperatingPoint ? OneOperatingPoint : SeveralOperatingPoints;
    }
}
