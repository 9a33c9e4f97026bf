using Pipeline.Models.Sensors;

namespace Pipeline.Tests.Models.Sensors;

/// <summary>The node's window arrays: given back, used again for a window of the same length, never for another.</summary>
public sealed class WindowArraysSpecs
{
    [Fact]
    public void Should_give_an_array_back_for_the_next_window_of_its_length_and_a_new_one_for_another_length()
    {
        var arrays = new WindowArrays();
        var first = arrays.Rent(240);
        arrays.Return(first);

        Assert.Same(first, arrays.Rent(240));
        arrays.Return(first);
        var other = arrays.Rent(90);
        Assert.Equal(90, other.Length);
        Assert.NotSame(first, arrays.Rent(240)); // the 240 was met and dropped while looking for a 90
    }

    [Fact]
    public void Should_keep_no_more_arrays_than_its_capacity()
    {
        var arrays = new WindowArrays(capacity: 2);
        var given = Enumerable.Range(0, 3).Select(_ => new float[4]).ToList();
        given.ForEach(arrays.Return);

        var taken = Enumerable.Range(0, 3).Select(_ => arrays.Rent(4)).ToList();

        Assert.Equal(2, taken.Count(t => given.Contains(t)));
    }

    [Fact]
    public void Should_snapshot_into_a_reused_array_the_same_window_as_into_a_new_one()
    {
        var spec = new WindowSpec(3, ["flow", "pressure"], 1);
        var buffer = new WindowBuffer(spec);
        var arrays = new WindowArrays();
        arrays.Return([9f, 9f, 9f, 9f, 9f, 9f]); // a spent window's values, not cleared
        for (var seq = 1; seq <= 4; seq++)
        {
            buffer.Append(new Pipeline.Models.Telemetry.Reading("esp32-01", seq * 1000, seq, new Dictionary<string, double> { ["flow"] = seq, ["pressure"] = 10 * seq }));
        }

        Assert.Equal(buffer.Snapshot("esp32-01").Values, buffer.Snapshot("esp32-01", arrays).Values);
    }
}
