using Pipeline.Host.Training;
using Pipeline.Models.Detection;
using Pipeline.Models.Evaluation;
using Pipeline.Tests.Host.Training;
using Pipeline.Tests.Models.Detection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Evaluation;

public sealed class StreamingEvaluatorSpecs
{
    private static readonly Lazy<ModelBundle> Bundle = new(() => Trainer.Train(SyntheticPump.Normal(1200), TrainerSpecs.Small with { Epochs = 3 }));

    /// <summary>The bundle as a model of one steady state (SKAB's kind) whose <paramref name="signals"/> drift.</summary>
    private static ModelBundle Drifting(params string[] signals) =>
        new(Bundle.Value.Manifest with { Drifting = signals, Normal = Bundle.Value.Manifest.Normal! with { OperatingPoints = ModelManifest.OneOperatingPoint } }, Bundle.Value.Weights);

    [Theory]
    [InlineData(EvaluationProtocol.Plain)]
    [InlineData(EvaluationProtocol.Skab)]
    public void Should_predict_each_row_from_rows_up_to_it_only(EvaluationProtocol protocol)
    {
        var file = SyntheticPump.Warming(SyntheticPump.Normal(700, seed: 21, leakFrom: 550), 0.002);
        var evaluator = new StreamingEvaluator(Drifting("temperature"), protocol);
        var full = evaluator.Evaluate("f.csv", file);

        foreach (var cut in new[] { 430, 551, 600, 699 })
        {
            var truncated = evaluator.Evaluate("f.csv", file.Slice(0, cut));
            Assert.Equal(full.TakeWhile(p => p.Row < cut), truncated);
        }
    }

    [Fact]
    public void Should_learn_on_the_first_400_rows_and_judge_the_rest_under_the_skab_protocol()
    {
        var file = SyntheticPump.Normal(700, seed: 22, leakFrom: 550);

        var predictions = new StreamingEvaluator(Drifting(), EvaluationProtocol.Skab).Evaluate("f.csv", file);

        Assert.Equal(Enumerable.Range(400, 300), predictions.Select(p => p.Row));
        var metrics = StreamingEvaluator.Metrics(predictions);
        Assert.True(metrics.F1 > 0.9, $"F1 {metrics.F1}, FAR {metrics.FalseAlarmRate}, MAR {metrics.MissedAlarmRate}");
    }

    [Fact]
    public void Should_follow_a_drifting_signal_after_learning_and_still_flag_a_leak_under_the_skab_protocol()
    {
        var file = SyntheticPump.Warming(SyntheticPump.Normal(700, seed: 23, leakFrom: 550), 0.002); // 30 x its noise after learning

        var tracked = StreamingEvaluator.Metrics(new StreamingEvaluator(Drifting("temperature"), EvaluationProtocol.Skab).Evaluate("f.csv", file));
        var untracked = StreamingEvaluator.Metrics(new StreamingEvaluator(Drifting(), EvaluationProtocol.Skab).Evaluate("f.csv", file));

        Assert.True(tracked.FalseAlarmRate < 0.1 && tracked.MissedAlarmRate < 0.1, $"tracked: FAR {tracked.FalseAlarmRate:P1}, MAR {tracked.MissedAlarmRate:P1}");
        Assert.True(untracked.FalseAlarmRate > 0.5, $"untracked: FAR {untracked.FalseAlarmRate:P1}");
    }

    [Fact]
    public void Should_take_an_unreadable_cell_as_a_reading_without_that_signal_and_judge_again_once_the_window_refills()
    {
        const int hole = 500;
        var file = SyntheticPump.Normal(700, seed: 24);
        var rows = file.Rows.Select(r => (float[])r.Clone()).ToArray();
        rows[hole][1] = float.NaN; // an empty cell in the file
        var window = Bundle.Value.Manifest.Window;

        var predictions = new StreamingEvaluator(Drifting(), EvaluationProtocol.Skab).Evaluate("f.csv", file with { Rows = rows });

        // As a node does with a reading that lacks a signal: the window starts again after it.
        Assert.Equal(Enumerable.Range(400, hole - 400).Concat(Enumerable.Range(hole + window, 700 - hole - window)), predictions.Select(p => p.Row));
    }

    [Fact]
    public void Should_refuse_a_model_whose_windows_leave_too_few_learning_windows()
    {
        var wide = new ModelBundle(Bundle.Value.Manifest with { Window = 399 }, Bundle.Value.Weights);

        var refused = Assert.Throws<ArgumentException>(() => new StreamingEvaluator(wide, EvaluationProtocol.Skab).Evaluate("f.csv", SyntheticPump.Normal(700)));

        Assert.Contains("reads windows of 399, which leave fewer than two learning windows", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_compute_the_metrics_as_skab_does()
    {
        var metrics = new PointMetrics(TruePositives: 60, FalsePositives: 10, TrueNegatives: 90, FalseNegatives: 40);

        Assert.Equal(60 / (60 + (50 / 2.0)), metrics.F1, 9);
        Assert.Equal(10 / 100.0, metrics.FalseAlarmRate, 9);
        Assert.Equal(40 / 100.0, metrics.MissedAlarmRate, 9);
    }
}
