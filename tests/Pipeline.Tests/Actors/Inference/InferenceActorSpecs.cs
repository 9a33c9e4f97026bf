using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Inference;
using Pipeline.Host.Training;
using Pipeline.Models.Detection;
using Pipeline.Tests.Host.Training;
using Pipeline.Tests.Models.Detection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Actors.Inference;

/// <summary>The node's network: every sensor's windows in shared batches, each request answered once, in order.</summary>
public sealed class InferenceActorSpecs : TestKit
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(800), TrainerSpecs.Small with { Epochs = 1 }));

    /// <summary>One prepared window (20 x 4 values) of the synthetic pump.</summary>
    private static float[] Window(int seed) => SyntheticPump.Normal(20, seed).Windows(20, 1, out _);

    private static ScoreWindows Request(ModelBundle model, params int[] seeds) => new(model.Version, [.. seeds.Select(Window)]);

    /// <summary>Counts the batches each model sees; <see cref="Gate"/> holds every batch until set.</summary>
    private sealed class CountingScorers
    {
        public List<(string Version, int Count)> Batches { get; } = [];

        public ManualResetEventSlim Gate { get; } = new(true);

        /// <summary>How many of the next batches throw, as a network out of memory would.</summary>
        public int FailingBatches { get; set; }

        public IWindowScorer Create(ModelBundle model) => new Counting(this, model.Version, new PortableDetector(model));

        private sealed class Counting(CountingScorers owner, string version, IWindowScorer inner) : IWindowScorer
        {
            public string Backend => inner.Backend;

            public WindowScore[] Score(ReadOnlySpan<float> windows, int count)
            {
                lock (owner.Batches)
                {
                    owner.Batches.Add((version, count));
                }

                owner.Gate.Wait(TimeSpan.FromSeconds(10));
                if (owner.FailingBatches > 0)
                {
                    owner.FailingBatches--;
                    throw new InvalidOperationException("the network ran out of memory");
                }

                return inner.Score(windows, count);
            }

            public void Dispose() => inner.Dispose();
        }
    }

    private IActorRef Start(CountingScorers scorers, InferenceOptions options, ModelCatalog? catalog = null) =>
        Sys.ActorOf(InferenceActor.Props(catalog ?? new ModelCatalog(Bundle.Value), scorers.Create, options));

    [Fact]
    public void Should_score_a_full_batch_at_once_and_answer_each_sender_with_its_own_scores()
    {
        var scorers = new CountingScorers();
        var inference = Start(scorers, new InferenceOptions { BatchSize = 4, MaxBatchDelay = TimeSpan.FromMinutes(1) });
        var probes = Enumerable.Range(0, 4).Select(_ => CreateTestProbe()).ToList();
        using var alone = new PortableDetector(Bundle.Value);

        for (var i = 0; i < 4; i++)
        {
            inference.Tell(Request(Bundle.Value, i), probes[i]);
        }

        for (var i = 0; i < 4; i++)
        {
            var scored = Assert.Single(probes[i].ExpectMsg<WindowsScored>().Scores);
            Assert.Equal(alone.Score(Window(i), 1)[0].Total, scored.Total, 5);
        }

        Assert.Equal([(Bundle.Value.Version, 4)], scorers.Batches);
    }

    [Fact]
    public void Should_score_a_lone_window_at_once_and_batch_what_arrived_meanwhile_without_a_delay()
    {
        var scorers = new CountingScorers();
        scorers.Gate.Reset();
        var inference = Start(scorers, new InferenceOptions { BatchSize = 64, MaxBatchDelay = TimeSpan.Zero });

        inference.Tell(Request(Bundle.Value, 0), TestActor);
        AwaitCondition(() => scorers.Batches.Count == 1); // scoring the lone window, not waiting for more
        for (var i = 1; i <= 4; i++)
        {
            inference.Tell(Request(Bundle.Value, i), TestActor);
        }

        scorers.Gate.Set();
        Enumerable.Range(0, 5).ToList().ForEach(_ => ExpectMsg<WindowsScored>());

        Assert.Equal([1, 4], scorers.Batches.Select(b => b.Count));
    }

    [Fact]
    public void Should_score_a_pinned_sensors_windows_with_its_model_in_the_same_flush_as_the_others()
    {
        var pinned = new ModelBundle(Bundle.Value.Manifest with { Name = "outlet" }, Bundle.Value.Weights);
        var scorers = new CountingScorers();
        var inference = Start(scorers, new InferenceOptions { BatchSize = 3, MaxBatchDelay = TimeSpan.FromMinutes(1) },
            new ModelCatalog(Bundle.Value, new Dictionary<string, ModelBundle> { ["outlet"] = pinned }));

        inference.Tell(Request(Bundle.Value, 0), TestActor);
        inference.Tell(Request(pinned, 1), TestActor);
        inference.Tell(Request(Bundle.Value, 2), TestActor);

        Enumerable.Range(0, 3).ToList().ForEach(_ => ExpectMsg<WindowsScored>());
        Assert.Equal([(Bundle.Value.Version, 2), (pinned.Version, 1)], scorers.Batches.OrderBy(b => b.Version == pinned.Version));
    }

    [Fact]
    public void Should_not_hold_a_window_longer_than_the_batch_delay()
    {
        var scorers = new CountingScorers();
        var inference = Start(scorers, new InferenceOptions { BatchSize = 64, MaxBatchDelay = TimeSpan.FromMilliseconds(50) });

        inference.Tell(Request(Bundle.Value, 1), TestActor);
        inference.Tell(Request(Bundle.Value, 2), TestActor);

        ExpectMsg<WindowsScored>(TimeSpan.FromSeconds(3));
        ExpectMsg<WindowsScored>();
        Assert.Equal([2], scorers.Batches.Select(b => b.Count));
    }

    [Fact]
    public void Should_score_windows_prepared_for_the_previous_model_with_it_after_a_switch()
    {
        var catalog = new ModelCatalog(Bundle.Value);
        var scorers = new CountingScorers();
        var inference = Start(scorers, new InferenceOptions { BatchSize = 64 }, catalog);
        var next = new ModelBundle(Bundle.Value.Manifest with { Name = "next" }, Bundle.Value.Weights);

        catalog.Activate(next);
        inference.Tell(Request(Bundle.Value, 1), TestActor);
        ExpectMsg<WindowsScored>();
        inference.Tell(Request(next, 2), TestActor);
        ExpectMsg<WindowsScored>();

        Assert.Equal([Bundle.Value.Version, next.Version], scorers.Batches.Select(b => b.Version));
    }

    [Fact]
    public void Should_refuse_windows_of_a_model_it_does_not_have_or_that_do_not_fit_and_answer_an_empty_request_at_once()
    {
        var inference = Start(new CountingScorers(), new InferenceOptions());

        inference.Tell(new ScoreWindows("other@20260101T000000Z", [Window(1)]), TestActor);
        var unknown = ExpectMsg<Status.Failure>();
        inference.Tell(new ScoreWindows(Bundle.Value.Version, [Window(1), Window(2)[..^1]]), TestActor);
        var misfit = ExpectMsg<Status.Failure>();
        inference.Tell(new ScoreWindows(Bundle.Value.Version, []), TestActor);

        Assert.Contains("model other@20260101T000000Z is not loaded on this node", unknown.Cause.Message, StringComparison.Ordinal);
        Assert.Contains("a window of 79 values does not fit model", misfit.Cause.Message, StringComparison.Ordinal);
        Assert.Empty(ExpectMsg<WindowsScored>().Scores);
    }

    [Fact]
    public void Should_answer_a_request_with_one_reply_in_its_order_even_across_batches()
    {
        var scorers = new CountingScorers();
        var inference = Start(scorers, new InferenceOptions { BatchSize = 4, MaxBatchDelay = TimeSpan.Zero });
        var seeds = Enumerable.Range(0, 10).ToArray();
        using var alone = new PortableDetector(Bundle.Value);

        inference.Tell(Request(Bundle.Value, seeds), TestActor);

        var scored = ExpectMsg<WindowsScored>();
        Assert.Equal([4, 4, 2], scorers.Batches.Select(b => b.Count));
        Assert.Equal(seeds.Select(s => alone.Score(Window(s), 1)[0].Total), scored.Scores.Select(s => s.Total), new Tolerance(1e-5f));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Should_answer_every_request_of_a_batch_the_network_failed_with_the_failure_and_go_on_with_the_next()
    {
        var scorers = new CountingScorers { FailingBatches = 1 };
        scorers.Gate.Reset();
        var inference = Start(scorers, new InferenceOptions { BatchSize = 64, MaxBatchDelay = TimeSpan.Zero });
        var (first, second) = (CreateTestProbe(), CreateTestProbe());
        inference.Tell(Request(Bundle.Value, 1), first);
        inference.Tell(Request(Bundle.Value, 2, 3), second);
        scorers.Gate.Set();

        // Whether the two requests share the failed batch or not, neither waits for a reply that is not coming.
        var replies = new[] { first.ExpectMsg<object>(), second.ExpectMsg<object>() };
        Assert.Contains(replies, r => r is Status.Failure { Cause.Message: "the network ran out of memory" });

        inference.Tell(Request(Bundle.Value, 4) with { RequestId = 42 }, TestActor);
        var scored = ExpectMsg<WindowsScored>();
        Assert.Equal(42, scored.RequestId);
        Assert.Single(scored.Scores);
    }
}
