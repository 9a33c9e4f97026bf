using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Models.Sensors;

public sealed class ReorderBufferSpecs
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);

    private static Reading Sample(long seq) => new("esp32-01", 1_000 * seq, seq, new Dictionary<string, double> { ["flow"] = seq });

    /// <summary>Offers the sequences at <paramref name="now"/> and takes what is ready after <paramref name="last"/>, as the sensor does.</summary>
    private static List<long> Take(ReorderBuffer buffer, ref long? last, DateTimeOffset now, params long[] sequences)
    {
        var taken = new List<long>();
        foreach (var seq in sequences)
        {
            buffer.Add(Sample(seq), now);
            while (buffer.Next(last, Wait, now) is { } reading)
            {
                taken.Add(reading.Sequence);
                last = Math.Max(last ?? long.MinValue, reading.Sequence);
            }
        }

        return taken;
    }

    [Fact]
    public void Should_pass_readings_in_order_straight_through()
    {
        var buffer = new ReorderBuffer();
        long? last = 4;

        Assert.Equal([5L, 6L, 7L], Take(buffer, ref last, T0, 5, 6, 7));
        Assert.Equal(0, buffer.Count);
        Assert.Equal(0, buffer.Reordered);
    }

    [Fact]
    public void Should_hold_a_new_sensors_first_readings_when_asked_since_their_predecessors_may_come_through_another_node()
    {
        var buffer = new ReorderBuffer();

        buffer.Add(Sample(6), T0);

        Assert.Null(buffer.Next(null, Wait, T0, firstWaits: true));
        Assert.Equal(6, buffer.Next(null, Wait, T0 + Wait, firstWaits: true)?.Sequence);
    }

    [Fact]
    public void Should_not_hold_a_devices_first_count_since_nothing_comes_before_it()
    {
        var buffer = new ReorderBuffer();

        buffer.Add(Sample(2), T0);
        buffer.Add(Sample(1), T0);

        Assert.Equal(1, buffer.Next(null, Wait, T0, firstWaits: true)?.Sequence);
        Assert.Equal(2, buffer.Next(1, Wait, T0, firstWaits: true)?.Sequence);
    }

    [Fact]
    public void Should_take_a_new_sensors_first_reading_at_once_on_a_node_that_reads_alone()
    {
        var buffer = new ReorderBuffer();
        long? last = null;

        Assert.Equal([6L, 7L], Take(buffer, ref last, T0, 6, 7));
    }

    [Fact]
    public void Should_hold_readings_behind_a_hole_until_the_missing_ones_come_then_give_all_in_order()
    {
        var buffer = new ReorderBuffer();
        long? last = 2;

        Assert.Empty(Take(buffer, ref last, T0, 6, 7));
        Assert.Equal([3L, 4L, 5L, 6L, 7L], Take(buffer, ref last, T0.AddMilliseconds(50), 4, 3, 5));
        Assert.Equal(3, buffer.Reordered);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Should_refuse_a_reading_whose_sequence_waits_already_as_a_redelivery()
    {
        var buffer = new ReorderBuffer();
        long? last = 4;
        Take(buffer, ref last, T0, 7, 8);

        var again = buffer.Add(Sample(8), T0);
        var taken = Take(buffer, ref last, T0, 5, 6);

        Assert.False(again);
        Assert.Equal([5L, 6L, 7L, 8L], taken);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Should_not_count_live_readings_before_the_stored_ones_a_starting_sensor_found_as_put_back_in_order()
    {
        // A sensor woken by a batch reads the store while the stream stores the batches behind it: those come first
        // from the store, but the stream brought the waking batch first.
        var buffer = new ReorderBuffer();
        long? last = 2;
        foreach (var seq in new long[] { 6, 7, 8 })
        {
            buffer.AddStored(Sample(seq), T0);
        }

        var taken = Take(buffer, ref last, T0, 3, 4, 5);
        var late = Take(buffer, ref last, T0, 10, 9, 11);

        Assert.Equal([3L, 4L, 5L, 6L, 7L, 8L], taken);
        Assert.Equal([9L, 10L, 11L], late);
        Assert.Equal(1, buffer.Reordered); // 9 came after 10; the live 3, 4 and 5 came after no live one
    }

    [Fact]
    public void Should_let_older_readings_and_duplicates_through_at_once_for_the_sequence_check_to_judge()
    {
        var buffer = new ReorderBuffer();
        long? last = 10;

        Assert.Equal([9L, 10L], Take(buffer, ref last, T0, 9, 10));
    }

    [Fact]
    public void Should_go_on_across_a_hole_once_the_first_waiting_reading_has_waited_long_enough()
    {
        var buffer = new ReorderBuffer();
        long? last = 2;

        Assert.Empty(Take(buffer, ref last, T0, 4));
        Assert.Empty(Take(buffer, ref last, T0 + Wait - TimeSpan.FromMilliseconds(1), 5));
        Assert.Equal([4L, 5L, 6L], Take(buffer, ref last, T0 + Wait, 6));
    }

    [Fact]
    public void Should_go_on_across_a_hole_when_more_readings_wait_than_it_holds()
    {
        var buffer = new ReorderBuffer();
        long? last = 0;

        var taken = Take(buffer, ref last, T0, [.. Enumerable.Range(2, ReorderBuffer.DefaultCapacity + 1).Select(s => (long)s)]);

        Assert.Equal(Enumerable.Range(2, ReorderBuffer.DefaultCapacity + 1).Select(s => (long)s), taken);
    }

    [Fact]
    public void Should_take_every_reading_as_it_comes_when_the_wait_is_zero()
    {
        var buffer = new ReorderBuffer();
        buffer.Add(Sample(9), T0);

        Assert.Equal(9, buffer.Next(2, TimeSpan.Zero, T0)?.Sequence);
    }
}
