using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Detection;

public sealed class DriftingSignalsSpecs
{
    [Fact]
    public void Should_find_a_signal_that_keeps_moving_one_way_and_not_one_that_wanders_and_comes_back()
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, 2000).Select(t => new[]
        {
            (float)((t * 0.001) + (0.3 * random.NextDouble())), // warms by 2 against noise of 0.3
            (float)(Math.Sin(t * 2 * Math.PI / 2000) + (0.3 * random.NextDouble())), // one whole swing, back where it began
            (float)random.NextDouble(),
        }).ToArray();
        var table = new SignalTable(["warming", "swinging", "noise"], rows, new long[rows.Length]);

        Assert.Equal(["warming"], DriftingSignals.Find(table));
        Assert.Equal(["warming", "swinging"], DriftingSignals.Find(table.Slice(0, 500))); // a quarter of the swing only rises
    }

    [Fact]
    public void Should_find_a_signal_that_drifts_in_each_sensors_own_rows_of_a_fleets_data()
    {
        // Three pumps one after another, each cooling through its run from where it started, as the simulator writes them.
        var random = new Random(7);
        string[] pumps = ["p1", "p2", "p3"];
        var rows = pumps.SelectMany((_, p) => Enumerable.Range(0, 1000).Select(t => new[]
        {
            (float)(20 + p - (t * 0.002) + (0.3 * random.NextDouble())), // each cools by 2 against noise of 0.3
            (float)((p == 1 ? t * 0.002 : 0) + (0.3 * random.NextDouble())), // rises in one pump only
        })).ToArray();
        var fleet = new SignalTable(["temperature", "level"], rows, new long[rows.Length]) { Sensors = [.. pumps.SelectMany(p => Enumerable.Repeat(p, 1000))] };

        Assert.Empty(DriftingSignals.Find(fleet with { Sensors = null })); // pooled, the three runs saw-tooth
        Assert.Equal(["temperature"], DriftingSignals.Find(fleet));
        Assert.Equal(["temperature", "level"], DriftingSignals.Find(fleet.OfSensor("p2")));
    }

    [Fact]
    public void Should_name_none_when_the_data_is_too_short_to_tell()
    {
        var table = SyntheticPump.Warming(SyntheticPump.Normal(150), 0.01);

        Assert.Empty(DriftingSignals.Find(table));
    }

    [Fact]
    public void Should_measure_monotony_as_kendalls_tau()
    {
        Assert.Equal(1.0, DriftingSignals.Monotony([1, 2, 3, 4]));
        Assert.Equal(-1.0, DriftingSignals.Monotony([4, 3, 2, 1]));
        Assert.Equal(4 / 6.0, DriftingSignals.Monotony([1, 3, 2, 4]), 9); // 5 pairs in order, 1 reversed
    }
}
