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
            new InferenceOptions { BatchSize = 4, MaxBatchDelay = TimeSpan.FromMinutes(1) }));
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

    [Fact]
    public void Should_not_hold_a_window_longer_than_the_batch_delay()
    {
        var scorer = new CountingScorer(new PortableDetector(Bundle.Value));
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, scorer,
            new InferenceOptions { BatchSize = 64, MaxBatchDelay = TimeSpan.FromMilliseconds(50) }));

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
            new InferenceOptions { BatchSize = 64, MaxBatchDelay = TimeSpan.FromSeconds(2) }));
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
        var inference = Sys.ActorOf(InferenceActor.Props(Bundle.Value, new PortableDetector(Bundle.Value), new InferenceOptions()));
        var wrong = Window("s", 1) with { Signals = ["flow", "pressure", "temperature", "current"] };

        inference.Tell(new ScoreWindow(wrong), TestActor);

        var failure = ExpectMsg<Status.Failure>();
        Assert.Contains("does not fit model", failure.Cause.Message, StringComparison.Ordinal);
    }
}
