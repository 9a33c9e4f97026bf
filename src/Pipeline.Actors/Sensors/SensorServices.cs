using Akka.Actor;
using Pipeline.Actors.Inference;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;

namespace Pipeline.Actors.Sensors;

/// <summary>What a sensor's actor works with, one set per node.</summary>
/// <param name="Settings">Each sensor's settings; a change (<c>pipeline sensors add</c> on a running node) applies from its next batch.</param>
/// <param name="Models">The model each sensor scores with; a switch applies from its next batch.</param>
/// <param name="Inference">The node's <see cref="InferenceActor"/>: it scores every sensor's windows in shared batches.</param>
/// <param name="CreateScorer">The node's backend, for fitting a calibration.</param>
/// <param name="LearningReadings">A new sensor's learning period (<see cref="InferenceOptions.LearningReadings"/>).</param>
/// <param name="CalibrationCheck">How often a calibrated sensor looks whether its calibration is still stored (a recommission deletes it).</param>
/// <param name="AskTimeout">Longest wait for the inference actor.</param>
/// <param name="SharedIntake">
/// Several nodes share the telemetry (<c>Pipeline:Mqtt:SharedGroup</c>): a sensor's first readings may have
/// predecessors on their way through another node, so they wait for them too (<see cref="ReorderBuffer"/>); and the
/// sensor journals its verdicts in order before it answers, since the nodes' streams store them in no common order.
/// </param>
public sealed record SensorServices(
    SensorCatalog Settings,
    ModelCatalog Models,
    IActorRef Inference,
    Func<ModelBundle, IWindowScorer> CreateScorer,
    IReadingHistory History,
    ISensorStatusBoard Board,
    ISensorCalibrations Calibrations,
    IAlarmJournal Journal,
    IAlarmPublisher Publisher,
    AlarmSettings Alarms,
    int LearningReadings,
    TimeSpan CalibrationCheck,
    TimeSpan AskTimeout,
    bool SharedIntake = false)
{
    /// <summary>The windows' arrays, shared by the node's sensors: each gives a window's back once its verdict is made.</summary>
    public WindowArrays WindowArrays { get; init; } = new();

    /// <summary>Whether the node can hear its sensors at all; a sensor is not taken for offline while it cannot.</summary>
    public INodeHearing Hearing { get; init; } = AlwaysHearing.Instance;

    /// <summary>How many of the sensors' "is learning" and "calibrated" lines a minute are written (a fleet starts at once).</summary>
    public FleetLogBudget StartLines { get; init; } = new();

    /// <summary>
    /// How many of the sensors' "window restarted" lines a minute are written: a backlog redelivered after the node was
    /// away restarts every sensor's window at once (each sensor counts its own gaps, in `pipeline sensors list`).
    /// </summary>
    public FleetLogBudget GapLines { get; init; } = new();
}
