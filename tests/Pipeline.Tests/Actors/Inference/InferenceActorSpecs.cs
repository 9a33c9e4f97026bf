using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Inference;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Tests.Models.Detection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Inference;

public sealed class InferenceActorSpecs : TestKit
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(800), TrainerSpecs.Small with { Epochs = 1 }));

    private static SensorWindow Window(string sensor, int seed)
    {
        var table = SyntheticPump.Normal(20, seed);
        return new SensorWindow(sensor, table.Signals, 20, table.Windows(20, 1, out _), 1, 20, 0, 19_000);
    }

    /// <summary>A sensor's successive windows (stride 1) over its readings; <paramref name="flowOffset"/> shifts its flow level.</summary>
    private static IEnumerable<SensorWindow> Windows(string sensor, int readings, int seed, float flowOffset = 0)
    {
        var table = SyntheticPump.Normal(readings, seed);
        var rows = table.Rows.Select(r => new[] { r[0] + flowOffset, r[1], r[2], r[3] }).ToArray();
        for (var end = 20; end <= readings; end++)
        {
            var values = rows[(end - 20)..end].SelectMany(r => r).ToArray();
            yield return new SensorWindow(sensor, table.Signals, 20, values, end - 19, end, (end - 20) * 1000L, (end - 1) * 1000L);
        }
    }

    /// <summary>The store's part, in memory.</summary>
    internal sealed class InMemoryCalibrations : ISensorCalibrations
    {
        public List<SensorCalibration> Saved { get; } = [];

        public IReadOnlyList<SensorCalibration> LoadCalibrations(string modelVersion)
        {
            lock (Saved)
            {
                return Saved.Where(c => c.ModelVersion == modelVersion).ToList();
            }
        }

        public Task<IReadOnlyList<SensorCalibration>> LoadCalibrationsAsync(string modelVersion, CancellationToken cancellation) =>
            Task.FromResult(LoadCalibrations(modelVersion));

        public Task<SensorCalibration?> LoadCalibrationAsync(string sensorId, string modelVersion, CancellationToken cancellation) =>
            Task.FromResult(LoadCalibrations(modelVersion).SingleOrDefault(c => c.SensorId == sensorId));

        public Task<int> DeleteCalibrationsAsync(string sensorId, CancellationToken cancellation)
        {
            lock (Saved)
            {
                return Task.FromResult(Saved.RemoveAll(c => c.SensorId == sensorId));
            }
        }

        public Task SaveCalibrationAsync(SensorCalibration calibration, CancellationToken cancellation)
        {
            lock (Saved)
            {
                Saved.RemoveAll(c => c.SensorId == calibration.SensorId && c.ModelVersion == calibration.ModelVersion);
                Saved.Add(calibration);
            }

            return Task.CompletedTask;
        }

        public void Forget(string sensor)
        {
            lock (Saved)
            {
                Saved.RemoveAll(c => c.SensorId == sensor);
            }
        }
    }

    private static InferenceOptions Learning(int readings) =>
        new() { BatchSize = 1, MaxBatchDelay = TimeSpan.FromMilliseconds(1), LearningReadings = readings, CalibrationReload = TimeSpan.FromMilliseconds(200) };

    /// <summary>Sends the windows one by one and returns their verdicts.</summary>
    private List<Verdict> Score(IActorRef inference, IEnumerable<SensorWindow> windows) =>
        windows.Select(w =>
        {
            inference.Tell(new ScoreWindow(w), TestActor);
            return ExpectMsg<Verdict>();
        }).ToList();

    [Fact]
    public void Should_learn_a_new_sensor_then_score_it_with_its_own_calibration_and_store_that()
    {
        var store = new InMemoryCalibrations();
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value), Learning(100), store));

        // The sensor runs 30 l/min above what the model was trained on: normal for it, anomalous to the model.
        var learning = Score(inference, Windows("esp32-07", 100, seed: 31, flowOffset: 30).Take(81));
        AwaitCondition(() => store.LoadCalibrations(Bundle.Value.Version).Count == 1, TimeSpan.FromSeconds(10));
        var after = Score(inference, Windows("esp32-07", 100, seed: 32, flowOffset: 30));

        Assert.All(learning, v => Assert.True(v.Learning));
        Assert.True(learning.Count(v => v.Anomalous) > 70, "the model's own calibration finds the offset sensor anomalous");
        var calibration = store.Saved.Single();
        Assert.Equal(("esp32-07", 100), (calibration.SensorId, calibration.Readings));
        var flowCentreMoved = calibration.Mean[0] - Bundle.Value.Manifest.Scaler.Mean[0];
        Assert.True(flowCentreMoved > 15, $"the offset is taken out of the flow's centre: moved by {flowCentreMoved:F1}");
        Assert.All(after, v => Assert.False(v.Learning));
        Assert.All(after, v => Assert.Equal(calibration.Threshold, v.Threshold));
        Assert.True(after.Count(v => v.Anomalous) <= 4, $"{after.Count(v => v.Anomalous)} of {after.Count} normal windows anomalous after commissioning");
    }

    [Fact]
    public void Should_use_a_stored_calibration_from_the_start_so_that_it_survives_a_restart()
    {
        var store = new InMemoryCalibrations();
        var first = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value), Learning(50), store));
        Score(first, Windows("esp32-08", 51, seed: 33).Take(32));
        AwaitCondition(() => store.Saved.Count == 1, TimeSpan.FromSeconds(10));
        Sys.Stop(first);

        var restarted = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value), Learning(50), store));
        var verdict = Score(restarted, Windows("esp32-08", 20, seed: 34)).Single();

        Assert.False(verdict.Learning);
        Assert.Equal(store.Saved.Single().Threshold, verdict.Threshold);
    }

    [Fact]
    public void Should_learn_again_when_the_stored_calibration_is_removed_or_belongs_to_another_model()
    {
        var store = new InMemoryCalibrations();
        store.Saved.Add(new SensorCalibration("esp32-09", Bundle.Value.Version, Bundle.Value.Manifest.Scaler.Mean, Bundle.Value.Manifest.Scaler.Std, 5f, [5, 5, 5, 5], 400, DateTimeOffset.UtcNow.AddMinutes(-1)));
        store.Saved.Add(new SensorCalibration("esp32-10", "other@20260101T000000Z", Bundle.Value.Manifest.Scaler.Mean, Bundle.Value.Manifest.Scaler.Std, 5f, [5, 5, 5, 5], 400, DateTimeOffset.UtcNow.AddMinutes(-1)));
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value), Learning(400), store));

        var calibrated = Score(inference, Windows("esp32-09", 20, seed: 35)).Single();
        var otherModel = Score(inference, Windows("esp32-10", 20, seed: 36)).Single();
        store.Forget("esp32-09"); // what 'pipeline sensors recommission esp32-09' does
        AwaitAssert(() => Assert.True(Score(inference, Windows("esp32-09", 20, seed: 37)).Single().Learning), TimeSpan.FromSeconds(5));

        Assert.False(calibrated.Learning);
        Assert.Equal(5f, calibrated.Threshold);
        Assert.True(otherModel.Learning);
        Assert.Equal(Bundle.Value.Manifest.Threshold.Total, otherModel.Threshold);
    }

    [Fact]
    public void Should_not_learn_when_learning_is_off()
    {
        var store = new InMemoryCalibrations();
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value), Learning(0), store));

        var verdicts = Score(inference, Windows("esp32-11", 60, seed: 38));

        Assert.All(verdicts, v => Assert.False(v.Learning));
        Assert.Empty(store.Saved);
    }

    /// <summary>Counts the batches the model sees.</summary>
    private sealed class CountingScorer(IWindowScorer inner) : IWindowScorer
    {
        public List<int> Batches { get; } = [];

        public string Backend => inner.Backend;

        public WindowScore[] Score(ReadOnlySpan<float> windows, int count)
        {
            Batches.Add(count);
            return inner.Score(windows, count);
        }

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public void Should_score_a_full_batch_at_once_and_answer_each_sender_with_its_own_verdict()
    {
        var scorer = new CountingScorer(new PortableDetector(Bundle.Value));
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, scorer,
            new InferenceOptions { BatchSize = 4, MaxBatchDelay = TimeSpan.FromMinutes(1) }, new InMemoryCalibrations()));
        var probes = Enumerable.Range(0, 4).Select(_ => CreateTestProbe()).ToList();

        for (var i = 0; i < 4; i++)
        {
            inference.Tell(new ScoreWindow(Window($"s{i}", i)), probes[i]);
        }

        for (var i = 0; i < 4; i++)
        {
            var verdict = probes[i].ExpectMsg<Verdict>();
            Assert.Equal($"s{i}", verdict.SensorId);
            Assert.Equal(Bundle.Value.Version, verdict.ModelVersion);
            Assert.Equal(verdict.Score > verdict.Threshold, verdict.Anomalous);
        }

        Assert.Equal([4], scorer.Batches);
    }

    /// <summary>Holds its first batch until released, so that windows pile up in the actor's mailbox meanwhile.</summary>
    private sealed class GatedScorer(IWindowScorer inner) : IWindowScorer
    {
        public ManualResetEventSlim Release { get; } = new(false);

        public List<int> Batches { get; } = [];

        public string Backend => inner.Backend;

        public WindowScore[] Score(ReadOnlySpan<float> windows, int count)
        {
            Batches.Add(count);
            Release.Wait(TimeSpan.FromSeconds(10));
            return inner.Score(windows, count);
        }

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public void Should_score_a_lone_window_at_once_and_batch_what_arrived_meanwhile_without_a_delay()
    {
        var scorer = new GatedScorer(new PortableDetector(Bundle.Value));
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, scorer,
            new InferenceOptions { BatchSize = 64, MaxBatchDelay = TimeSpan.Zero, LearningReadings = 0 }, new InMemoryCalibrations()));

        inference.Tell(new ScoreWindow(Window("s0", 0)), TestActor);
        AwaitCondition(() => scorer.Batches.Count == 1); // scoring the lone window, not waiting for more
        for (var i = 1; i <= 4; i++)
        {
            inference.Tell(new ScoreWindow(Window($"s{i}", i)), TestActor);
        }

        scorer.Release.Set();
        var verdicts = Enumerable.Range(0, 5).Select(_ => ExpectMsg<Verdict>()).ToList();

        Assert.Equal([1, 4], scorer.Batches);
        Assert.Equal(["s0", "s1", "s2", "s3", "s4"], verdicts.Select(v => v.SensorId));
    }

    [Fact]
    public void Should_score_a_pinned_sensor_with_its_model_in_the_same_batch_as_the_others()
    {
        var pinned = new ModelBundle(Bundle.Value.Manifest with { Name = "outlet" }, Bundle.Value.Weights);
        var scorer = new CountingScorer(new PortableDetector(Bundle.Value));
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, scorer,
            new InferenceOptions { BatchSize = 3, MaxBatchDelay = TimeSpan.FromMinutes(1), LearningReadings = 0 }, new InMemoryCalibrations(),
            pinned: new Dictionary<string, ModelBundle> { ["outlet"] = pinned },
            modelOf: sensor => sensor == "s1" ? "outlet" : null));

        for (var i = 0; i < 3; i++)
        {
            inference.Tell(new ScoreWindow(Window($"s{i}", i)), TestActor);
        }

        var verdicts = Enumerable.Range(0, 3).Select(_ => ExpectMsg<Verdict>()).ToDictionary(v => v.SensorId, v => v.ModelVersion);
        Assert.Equal(pinned.Version, verdicts["s1"]);
        Assert.Equal(Bundle.Value.Version, verdicts["s0"]);
        Assert.Equal(Bundle.Value.Version, verdicts["s2"]);
        Assert.Equal([2], scorer.Batches); // the active model's share of the batch; the pinned one has its own scorer
    }

    [Fact]
    public void Should_not_hold_a_window_longer_than_the_batch_delay()
    {
        var scorer = new CountingScorer(new PortableDetector(Bundle.Value));
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, scorer,
            new InferenceOptions { BatchSize = 64, MaxBatchDelay = TimeSpan.FromMilliseconds(50) }, new InMemoryCalibrations()));

        inference.Tell(new ScoreWindow(Window("s", 1)), TestActor);
        inference.Tell(new ScoreWindow(Window("s", 2)), TestActor);

        ExpectMsg<Verdict>(TimeSpan.FromSeconds(3));
        ExpectMsg<Verdict>();
        Assert.Equal([2], scorer.Batches);
    }

    [Fact]
    public void Should_switch_models_between_batches_and_refuse_one_of_another_shape()
    {
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value),
            new InferenceOptions { BatchSize = 64, MaxBatchDelay = TimeSpan.FromSeconds(2) }, new InMemoryCalibrations()));
        var next = new ModelBundle(Bundle.Value.Manifest with { Name = "next" }, Bundle.Value.Weights);
        var wider = Trainer.Train(SyntheticPump.Normal(400), TrainerSpecs.Small with { Epochs = 1, Window = 25 });

        inference.Tell(new ScoreWindow(Window("s", 1)), TestActor);   // waits for its batch ...
        inference.Tell(new ActivateModel(next, new PortableDetector(next)), TestActor);
        var before = ExpectMsg<Verdict>();                              // ... which is scored by the old model first
        var activated = ExpectMsg<ModelActivated>();
        inference.Tell(new ActivateModel(wider, new PortableDetector(wider)), TestActor);
        var refused = ExpectMsg<Status.Failure>();
        inference.Tell(new ScoreWindow(Window("s", 2)), TestActor);
        inference.Tell(new ScoreWindow(Window("s", 3)), TestActor);

        Assert.Equal(Bundle.Value.Version, before.ModelVersion);
        Assert.Equal(next.Version, activated.Current);
        Assert.Contains("restart the node to change the window", refused.Cause.Message, StringComparison.Ordinal);
        Assert.Equal(next.Version, ExpectMsg<Verdict>(TimeSpan.FromSeconds(10)).ModelVersion);
    }

    [Fact]
    public void Should_refuse_a_window_that_does_not_fit_the_model()
    {
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value), new InferenceOptions(), new InMemoryCalibrations()));
        var wrong = Window("s", 1) with { Signals = ["flow", "pressure", "temperature", "current"] };

        inference.Tell(new ScoreWindow(wrong), TestActor);

        var failure = ExpectMsg<Status.Failure>();
        Assert.Contains("does not fit model", failure.Cause.Message, StringComparison.Ordinal);
    }
    [Fact]
    public void Should_answer_a_store_batchs_windows_with_one_reply_in_their_order_even_across_model_batches()
    {
        var scorer = new CountingScorer(new PortableDetector(Bundle.Value));
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, scorer,
            new InferenceOptions { BatchSize = 4, MaxBatchDelay = TimeSpan.Zero, LearningReadings = 0 }, new InMemoryCalibrations()));
        var windows = Enumerable.Range(0, 10).Select(i => Window($"s{i}", i)).ToList();
        var one = Score(Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value),
            new InferenceOptions { LearningReadings = 0 }, new InMemoryCalibrations())), windows);

        inference.Tell(new ScoreWindows(windows), TestActor);

        var scored = ExpectMsg<WindowsScored>();
        Assert.Equal([4, 4, 2], scorer.Batches);
        Assert.Equal(windows.Select(w => w.SensorId), scored.Verdicts.Select(v => v.SensorId));
        Assert.Equal(one.Select(v => v.Score), scored.Verdicts.Select(v => v.Score)); // as if sent one by one
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Should_refuse_a_store_batch_with_a_window_that_does_not_fit_and_answer_an_empty_one_at_once()
    {
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value), new InferenceOptions(), new InMemoryCalibrations()));
        var wrong = Window("s", 1) with { Signals = ["flow", "pressure", "temperature", "current"] };

        inference.Tell(new ScoreWindows([Window("s0", 0), wrong]), TestActor);
        var failure = ExpectMsg<Status.Failure>();
        inference.Tell(new ScoreWindows([]), TestActor);

        Assert.Contains("window of s (20 x flow,pressure,temperature,current) does not fit model", failure.Cause.Message, StringComparison.Ordinal);
        Assert.Empty(ExpectMsg<WindowsScored>().Verdicts);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // the good window of the refused batch is not scored either
    }
}
