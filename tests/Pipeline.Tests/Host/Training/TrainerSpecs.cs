using Pipeline.Host.Training;
using Pipeline.Models.Detection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Host.Training;

public sealed class TrainerSpecs
{
    internal static readonly TrainingOptions Small = new() { Name = "spec", Window = 20, Hidden = 16, Epochs = 8, Patience = 8, Seed = 3 };

    [Fact]
    public void Should_refuse_options_that_cannot_train_naming_each_flag_before_any_training()
    {
        var epochs = new List<EpochReport>();
        var options = Small with { Signals = ["flow", "pressure", "flow"], Window = 0, Hidden = 0, Epochs = -1, ThresholdQuantile = 2, ThresholdMargin = -1, LearningRate = double.NaN };

        var refused = Assert.Throws<ArgumentException>(() => Trainer.Train(SyntheticPump.Normal(1500), options, new SynchronousProgress<EpochReport>(epochs.Add)));

        Assert.Equal(
            [
                "--signals names flow 2 times; name each signal once (a bundle with it twice does not load)",
                "--window is 0; it must be between 2 and 100000",
                "--hidden is 0; it must be between 1 and 4096",
                "--epochs is -1; it must be between 1 and 1000000",
                "--threshold-quantile is 2; it must be above 0 and at most 1",
                "--threshold-margin is -1; it must be above 0",
                "--learning-rate is NaN; it must be above 0 and at most 1",
            ],
            refused.Message.Split(Environment.NewLine));
        Assert.Empty(epochs);
        Assert.Empty(Small.Problems());
        Assert.Empty(new TrainingOptions().Problems());
    }

    [Fact]
    public void Should_refuse_data_whose_rows_left_out_leave_no_run_as_long_as_a_window()
    {
        var pump = SyntheticPump.Normal(1500);
        var split = (pump with { Labels = [.. Enumerable.Range(0, pump.Count).Select(r => r % 15 == 0 ? 1 : 0)] }).NormalRows();

        var error = Assert.Throws<ArgumentException>(() => Trainer.Train(split, Small));

        Assert.Equal("the 1400 rows make 0 training and 0 held-out windows of 20 rows: too few to train on (rows left out split the rest into runs shorter than a window)", error.Message);
    }

    [Fact]
    public void Should_reduce_the_training_loss_on_normal_data()
    {
        var epochs = new List<EpochReport>();

        Trainer.Train(SyntheticPump.Normal(1500), Small, new SynchronousProgress<EpochReport>(epochs.Add));

        Assert.Equal(Small.Epochs, epochs.Count);
        Assert.True(epochs[^1].TrainLoss < epochs[0].TrainLoss * 0.7, string.Join(", ", epochs.Select(e => e.TrainLoss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public void Should_score_leak_windows_far_above_normal_ones()
    {
        using var detector = new PortableDetector(Trainer.Train(SyntheticPump.Normal(1500), Small));
        var normal = SyntheticPump.Normal(400, seed: 11).Windows(20, 1, out var normalCount);
        var leak = SyntheticPump.Normal(400, seed: 12, leakFrom: 0).Windows(20, 1, out var leakCount);

        var worstNormal = detector.Score(normal, normalCount).Max(s => s.Total);
        var leakScores = detector.Score(leak, leakCount);

        Assert.True(leakScores.Min(s => s.Total) > 3 * worstNormal, $"leak min {leakScores.Min(s => s.Total)} vs normal max {worstNormal}");
        // The per-signal scores say which signals are off: pressure and flow, not temperature.
        var perSignal = Enumerable.Range(0, 4).Select(f => leakScores.Average(s => s.PerSignal[f])).ToArray();
        Assert.True(perSignal[2] > perSignal[1] && perSignal[0] > perSignal[1], $"mean per signal (flow, temperature, pressure, current): {string.Join(", ", perSignal)}");
    }

    [Fact]
    public void Should_train_the_same_weights_for_the_same_seed()
    {
        var data = SyntheticPump.Normal(800);
        var options = Small with { Epochs = 2 };

        var first = Trainer.Train(data, options);
        var second = Trainer.Train(data, options);

        foreach (var (name, values) in first.Weights)
        {
            Assert.Equal(values, second.Weights[name]);
        }
    }

    [Fact]
    public void Should_calibrate_the_threshold_on_held_out_normal_windows_and_record_the_rule()
    {
        var bundle = Trainer.Train(SyntheticPump.Normal(1500), Small);
        using var detector = new PortableDetector(bundle);
        var heldOut = SyntheticPump.Normal(1500).Slice(1200, 300).Windows(20, 1, out var count);

        var above = detector.Score(heldOut, count).Count(s => s.Total > bundle.Manifest.Threshold.Total);

        Assert.InRange(above, 0, 3); // q0.99 of those very windows
        Assert.Contains("q0.99", bundle.Manifest.Threshold.Rule, StringComparison.Ordinal);
        Assert.True(bundle.Manifest.Threshold.Clear < bundle.Manifest.Threshold.Total);
    }

    [Fact]
    public void Should_record_the_signals_that_drifted_through_the_training_data()
    {
        var warming = SyntheticPump.Warming(SyntheticPump.Normal(1500), 0.002); // 3 degrees over the data

        Assert.Equal(["temperature"], Trainer.Train(warming, Small with { Epochs = 1 }).Manifest.Drifting);
        Assert.Empty(Trainer.Train(SyntheticPump.Normal(1500), Small with { Epochs = 1 }).Manifest.Drifting);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
