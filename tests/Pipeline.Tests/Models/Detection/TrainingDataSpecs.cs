using Pipeline.Models.Detection;
using Pipeline.Models.Simulation;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

public sealed class TrainingDataSpecs
{
    [Fact]
    public void Should_say_nothing_about_hours_of_a_pump_changing_set_points()
    {
        var hours = new PumpSimulator("p", 1).Record(3 * 3600);

        Assert.Empty(TrainingData.Review(hours, 60));
    }

    [Fact]
    public void Should_warn_about_too_few_rows_and_say_what_would_be_enough()
    {
        var minutes = new PumpSimulator("p", 1).Record(700);

        var finding = Assert.Single(TrainingData.Review(minutes, 60), f => f.StartsWith("warning: only 700 rows", StringComparison.Ordinal));

        Assert.Contains("at least 5000 rows of normal operation", finding, StringComparison.Ordinal);
        Assert.Contains("the last fifth, held out (140 rows, 81 windows)", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_count_the_held_out_windows_as_training_makes_them_across_rows_left_out()
    {
        var minutes = new PumpSimulator("p", 1).Record(760);
        var gapped = (minutes with { Labels = [.. Enumerable.Range(0, minutes.Count).Select(r => r == 700 ? 1 : 0)] }).NormalRows();

        var finding = Assert.Single(TrainingData.Review(gapped, 60), f => f.StartsWith("warning: only 759 rows", StringComparison.Ordinal));

        Assert.Contains("the last fifth, held out (151 rows, 33 windows)", finding, StringComparison.Ordinal); // 92 before the gap less 59 is 33; none after (59 rows)
    }

    [Fact]
    public void Should_warn_about_a_signal_that_never_changes()
    {
        var data = new PumpSimulator("p", 1).Record(2 * 3600);
        var stuck = data with { Rows = data.Rows.Select(r => new[] { r[0], 21f, r[2], r[3] }).ToArray() };

        Assert.Contains(TrainingData.Review(stuck, 60), f => f.StartsWith("warning: temperature never changes", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_note_data_of_one_operating_point()
    {
        // Noise around one level, as in SKAB's anomaly-free run: its signals move little beyond their noise.
        var random = new Random(3);
        var steady = new Pipeline.Models.Data.SignalTable(["flow", "pressure"],
            [.. Enumerable.Range(0, 6000).Select(_ => new[] { 120 + (float)random.NextDouble(), 4 + (0.05f * (float)random.NextDouble()) })],
            [.. Enumerable.Range(0, 6000).Select(t => t * 1000L)]);

        Assert.Contains(TrainingData.Review(steady, 60), f => f.StartsWith("note: the data shows one operating point", StringComparison.Ordinal));
    }
}
