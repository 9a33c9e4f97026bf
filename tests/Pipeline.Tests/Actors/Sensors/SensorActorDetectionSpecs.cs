using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Sensors;
using Pipeline.Models.Detection;
using Pipeline.Models.Simulation;
using Pipeline.Models.Telemetry;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>A sensor's learning period, its calibration, and the model under it changing.</summary>
public sealed class SensorActorDetectionSpecs : TestKit
{
    private const string Sensor = "esp32-01";
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddHours(-2);
    private static readonly Lazy<ModelBundle> Default = new(() => ModelBundle.Load(Path.Combine(Repository.Root, "models", "default")));

    private static Reading Sample(long seq) => new(Sensor, Start.AddSeconds(seq).ToUnixTimeMilliseconds(), seq,
        new Dictionary<string, double> { ["flow"] = 120 + (10 * Math.Sin(seq / 7.0)), ["pressure"] = 4.2 - (0.05 * Math.Sin(seq / 7.0)) });

    /// <summary>A simulated pump's rows as its readings, one a second.</summary>
    private static Reading[] Readings(Pipeline.Models.Data.SignalTable table) =>
        [.. Enumerable.Range(0, table.Count).Select(row => new Reading(Sensor, Start.AddSeconds(row).ToUnixTimeMilliseconds(), row + 1,
            table.Signals.Select((s, f) => (s, (double)table.Rows[row][f])).ToDictionary(x => x.s, x => x.Item2)))];

    private List<Verdict> Record(IActorRef sensor, IEnumerable<Reading> readings, int perBatch)
    {
        var verdicts = new List<Verdict>();
        foreach (var batch in readings.Chunk(perBatch))
        {
            sensor.Tell(new RecordReadings(Sensor, batch), TestActor);
            verdicts.AddRange(ExpectMsg<ReadingsRecorded>(TimeSpan.FromSeconds(60)).Verdicts);
        }

        return verdicts;
    }

    [Fact]
    public async Task Should_learn_then_judge_by_its_own_calibration_and_keep_it_in_the_store()
    {
        using var node = new SensorHarness(Sys, learningReadings: 20);
        var sensor = node.Start(Sensor);

        var verdicts = Record(sensor, Enumerable.Range(1, 40).Select(s => Sample(s)), perBatch: 5);

        var stored = await node.Store.Calibrations.LoadCalibrationAsync(Sensor, SensorHarness.Tiny.Value.Version, default);
        Assert.NotNull(stored);
        Assert.Equal(20, stored.Readings);
        Assert.All(verdicts.Where(v => v.LastSequence <= 19), v => Assert.True(v.Learning));
        Assert.All(verdicts.Where(v => v.LastSequence > 20), v => Assert.Equal((false, stored.Threshold), (v.Learning, v.Threshold)));
        AwaitCondition(() => node.Board.Latest[Sensor].Health == "ok"); // no longer "learning 20/20"
    }

    /// <summary>A sensor that learned and stored its calibration, then stopped (a restart, a move to another node).</summary>
    private void CalibrateAndStop(SensorHarness node)
    {
        var first = node.Start(Sensor);
        Record(first, Enumerable.Range(1, 25).Select(s => Sample(s)), perBatch: 25);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
    }

    [Fact]
    public void Should_judge_a_burst_exactly_as_the_same_readings_paced_with_the_learning_period_inside_the_burst()
    {
        // #14: a new sensor's first 1,200 readings at once — a device flushing its buffer — with a leak in 600-750.
        var run = new PumpSimulator("p", 2, [new FaultSpec(FaultKind.Leak, "p", TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(150))]).Record(1200);
        using var bursting = new SensorHarness(Sys, Default.Value, learningReadings: 400);
        using var paced = new SensorHarness(Sys, Default.Value, learningReadings: 400);

        var burst = Record(bursting.Start(Sensor), Readings(run), perBatch: 1200);
        var tenAtATime = Record(paced.Start(Sensor), Readings(run), perBatch: 10);

        Assert.Equal(tenAtATime.Select(v => (v.LastSequence, v.Learning, v.AlarmActive)), burst.Select(v => (v.LastSequence, v.Learning, v.AlarmActive)));
        Assert.Equal(tenAtATime.Select(v => v.Score), burst.Select(v => v.Score), new Tolerance(1e-4f));
        Assert.All(burst.Where(v => v.LastSequence > 400), v => Assert.False(v.Learning));
        Assert.Contains(burst, v => v.AlarmActive && v.LastSequence is > 600 and < 760);
        Assert.DoesNotContain(burst, v => v.AlarmActive && v.LastSequence < 600);
    }

    [Fact]
    public void Should_judge_by_its_stored_calibration_from_the_start_after_a_restart()
    {
        using var node = new SensorHarness(Sys, learningReadings: 20);
        CalibrateAndStop(node);

        var verdicts = Record(node.Start(Sensor), Enumerable.Range(26, 6).Select(s => Sample(s)), perBatch: 6);

        Assert.NotEmpty(verdicts);
        Assert.All(verdicts, v => Assert.False(v.Learning));
    }

    [Fact]
    public void Should_keep_its_stored_calibration_when_the_store_cannot_be_read_for_a_moment_as_it_starts()
    {
        using var node = new SensorHarness(Sys, learningReadings: 20);
        CalibrateAndStop(node);
        var unreachable = new UnreadableCalibrations(node.Store.Calibrations, failures: 2); // a server restarting

        var restarted = Sys.ActorOf(SensorActor.Props(Sensor, node.Services with { Calibrations = unreachable }));
        var verdicts = Record(restarted, Enumerable.Range(26, 6).Select(s => Sample(s)), perBatch: 6);

        Assert.NotEmpty(verdicts);
        Assert.All(verdicts, v => Assert.False(v.Learning)); // before: it started learning again, without its calibration
        Assert.Equal(2, unreachable.Refused);
    }

    [Fact]
    public async Task Should_learn_again_once_its_calibration_is_deleted_by_a_recommission()
    {
        using var node = new SensorHarness(Sys, learningReadings: 20);
        var sensor = node.Start(Sensor);
        Record(sensor, Enumerable.Range(1, 25).Select(s => Sample(s)), perBatch: 25);

        await node.Store.Calibrations.DeleteCalibrationsAsync(Sensor, default);

        var seq = 26;
        AwaitCondition(() => Record(sensor, [Sample(seq++), Sample(seq++)], perBatch: 2).Any(v => v.Learning), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Should_build_the_new_models_windows_when_a_model_of_another_window_is_activated()
    {
        // #20: the LSTM reads windows of any length; a model trained on 5 is activated while the sensor builds 3.
        using var node = new SensorHarness(Sys);
        var sensor = node.Start(Sensor);
        Record(sensor, Enumerable.Range(1, 10).Select(s => Sample(s)), perBatch: 10);
        var wider = new ModelBundle(SensorHarness.Tiny.Value.Manifest with { Name = "tiny-5", Window = 5, Stride = 1 }, SensorHarness.Tiny.Value.Weights);

        node.Models.Activate(wider);
        var verdicts = Record(sensor, Enumerable.Range(11, 10).Select(s => Sample(s)), perBatch: 10);

        Assert.Equal([15L, 16L, 17L, 18L, 19L, 20L], verdicts.Select(v => v.LastSequence)); // a fresh window of 5 from 11 on
        Assert.All(verdicts, v => Assert.Equal((wider.Version, 5L), (v.ModelVersion, v.LastSequence - v.FirstSequence + 1)));
    }
}
