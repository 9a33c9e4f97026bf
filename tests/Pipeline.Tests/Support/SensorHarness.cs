using Akka.Actor;
using Pipeline.Actors.Inference;
using Pipeline.Actors.Sensors;
using Pipeline.Host.Training;
using Pipeline.Models.Alarms;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Streams.Storing;

namespace Pipeline.Tests.Support;

/// <summary>
/// Sensor actors with what they work with on a node: a real SQLite store (history, calibrations, alarm journal), the
/// node's inference actor on the portable pass, and a publisher and status board that keep what they are given.
/// </summary>
public sealed class SensorHarness : IDisposable
{
    /// <summary>A tiny model of flow and pressure: windows of 3, a new one every 2 readings.</summary>
    public static readonly Lazy<ModelBundle> Tiny = new(() => Trainer.Train(
        SyntheticPump.Normal(300),
        new TrainingOptions { Name = "tiny", Signals = ["flow", "pressure"], Window = 3, Stride = 2, Hidden = 4, Epochs = 1, Seed = 1 }));

    /// <summary>
    /// A new sensor's first batch waits this long for predecessors that may be on their way (<see cref="ReorderBuffer"/>);
    /// short here, so that specs do not wait two seconds for readings that are not coming.
    /// </summary>
    public static readonly TimeSpan ReorderWait = TimeSpan.FromMilliseconds(100);

    private readonly ActorSystem _system;
    private readonly TempDirectory _temp = new();

    /// <param name="learningReadings">0 (the default here): judged by the model's own calibration from the first window.</param>
    public SensorHarness(ActorSystem system, ModelBundle? model = null, int learningReadings = 0, SensorCatalog? settings = null, AlarmSettings? alarms = null)
    {
        _system = system;
        Store = PipelineStore.Open(new StoreOptions { Path = _temp.Combine("node.db") });
        Models = new ModelCatalog(model ?? Tiny.Value);
        Settings = settings ?? new SensorCatalog { Defaults = new SensorSettings { ReorderWait = ReorderWait } };
        Inference = system.ActorOf(InferenceActor.Props(Models, b => new PortableDetector(b), new InferenceOptions()));
        Services = new SensorServices(
            Settings, Models, Inference, b => new PortableDetector(b), Store.Readings, Board, Store.Calibrations, Store.Alarms, Published,
            alarms ?? new AlarmSettings(), learningReadings, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));
    }

    public PipelineStore Store { get; }

    public ModelCatalog Models { get; }

    public SensorCatalog Settings { get; }

    public IActorRef Inference { get; }

    public SensorServices Services { get; }

    public RecordingPublisher Published { get; } = new();

    public RecordingStatusBoard Board { get; } = new();

    public IActorRef Start(string sensorId) => _system.ActorOf(SensorActor.Props(sensorId, Services));

    /// <summary>The journal's transitions, oldest first: "esp32-01/offline raised".</summary>
    public List<string> Journal() => NodeDatabase.Strings(Store.Description, "SELECT alarm_id || ' ' || transition FROM alarm_events ORDER BY id");

    public void Dispose()
    {
        Store.Dispose();
        _temp.Dispose();
    }
}

/// <summary>Keeps what would have gone to SCADA.</summary>
public sealed class RecordingPublisher : IAlarmPublisher
{
    private readonly List<AlarmChange> _changes = [];

    public IReadOnlyList<AlarmChange> Changes
    {
        get
        {
            lock (_changes)
            {
                return [.. _changes];
            }
        }
    }

    public void Publish(IReadOnlyList<AlarmChange> changes)
    {
        lock (_changes)
        {
            _changes.AddRange(changes);
        }
    }

    public void PublishState(IReadOnlyList<Alarm> open)
    {
    }
}
