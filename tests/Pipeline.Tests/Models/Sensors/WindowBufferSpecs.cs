using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Models.Sensors;

public sealed class WindowBufferSpecs
{
    private static readonly string[] TwoSignals = ["flow", "pressure"];

    private static Reading Sample(long seq) =>
        new("s", 1_000 * seq, seq, new Dictionary<string, double> { ["flow"] = seq, ["pressure"] = seq * 10, ["current"] = -1 });

    [Fact]
    public void Should_emit_nothing_until_the_window_is_full()
    {
        var buffer = new WindowBuffer(new WindowSpec(4, TwoSignals));

        Assert.False(buffer.Append(Sample(1)));
        Assert.False(buffer.Append(Sample(2)));
        Assert.False(buffer.Append(Sample(3)));
        Assert.True(buffer.Append(Sample(4)));
        Assert.Throws<InvalidOperationException>(() => new WindowBuffer(new WindowSpec(4, TwoSignals)).Snapshot("s"));
    }

    [Fact]
    public void Should_hold_the_last_w_samples_oldest_first_across_wrap_around()
    {
        var buffer = new WindowBuffer(new WindowSpec(4, TwoSignals));
        for (var seq = 1; seq <= 11; seq++)
        {
            buffer.Append(Sample(seq));
        }

        var window = buffer.Snapshot("s");

        Assert.Equal([8f, 80f, 9f, 90f, 10f, 100f, 11f, 110f], window.Values);
        Assert.Equal((8, 11), (window.FirstSequence, window.LastSequence));
        Assert.Equal((8_000, 11_000), (window.StartTimestampMs, window.EndTimestampMs));
        Assert.Equal(10f, window[2, 0]);
        Assert.Equal(100f, window[2, 1]);
    }

    [Fact]
    public void Should_give_exact_sequences_and_times_when_they_run_far_past_the_first_sample()
    {
        // The buffer keeps 32-bit offsets from a base: a sensor that runs for months, with a device counter in the
        // billions, must still get its windows' first and last sequence and time to the number.
        const long Hour = 3_600_000;
        var buffer = new WindowBuffer(new WindowSpec(3, TwoSignals));
        var start = (Sequence: 9_000_000_000L, Time: 1_780_000_000_000L);
        for (long i = 0; i < 24 * 60; i++) // 60 days of hourly readings, sequence numbers 2^21 apart
        {
            buffer.Append(new Reading("s", start.Time + (i * Hour), start.Sequence + (i << 21), new Dictionary<string, double> { ["flow"] = i, ["pressure"] = i }));
        }

        var window = buffer.Snapshot("s");

        var last = (24 * 60) - 1L;
        Assert.Equal((start.Sequence + ((last - 2) << 21), start.Sequence + (last << 21)), (window.FirstSequence, window.LastSequence));
        Assert.Equal((start.Time + ((last - 2) * Hour), start.Time + (last * Hour)), (window.StartTimestampMs, window.EndTimestampMs));
        Assert.Equal([last - 2f, last - 2f, last - 1f, last - 1f, last, last], window.Values);
    }

    [Fact]
    public void Should_start_over_when_a_sample_comes_further_from_the_oldest_kept_than_an_offset_reaches()
    {
        var buffer = new WindowBuffer(new WindowSpec(3, TwoSignals));
        buffer.Append(Sample(1));
        buffer.Append(Sample(2));

        var monthLater = new Reading("s", 2_000 + (30L * 24 * 3_600_000), 3, new Dictionary<string, double> { ["flow"] = 3, ["pressure"] = 30 });
        Assert.False(buffer.Append(monthLater));

        Assert.Equal(1, buffer.Count);
        buffer.Append(Sample(4) with { TimestampMs = monthLater.TimestampMs + 1_000 });
        Assert.True(buffer.Append(Sample(5) with { TimestampMs = monthLater.TimestampMs + 2_000 }));
        var window = buffer.Snapshot("s");
        Assert.Equal((3, 5), (window.FirstSequence, window.LastSequence));
        Assert.Equal((monthLater.TimestampMs, monthLater.TimestampMs + 2_000), (window.StartTimestampMs, window.EndTimestampMs));
    }

    [Theory]
    [InlineData(1, new long[] { 4, 5, 6, 7, 8, 9, 10 })]
    [InlineData(3, new long[] { 4, 7, 10 })]
    [InlineData(5, new long[] { 4, 9 })]
    public void Should_emit_every_stride_samples_once_full(int stride, long[] emittedAt)
    {
        var buffer = new WindowBuffer(new WindowSpec(4, TwoSignals, stride));
        var emitted = new List<long>();
        for (var seq = 1; seq <= 10; seq++)
        {
            if (buffer.Append(Sample(seq)))
            {
                emitted.Add(buffer.Snapshot("s").LastSequence);
            }
        }

        Assert.Equal(emittedAt, emitted);
    }

    [Fact]
    public void Should_start_again_after_clear()
    {
        var buffer = new WindowBuffer(new WindowSpec(3, TwoSignals));
        buffer.Append(Sample(1));
        buffer.Append(Sample(2));
        buffer.Append(Sample(3));

        buffer.Clear();

        Assert.Equal(0, buffer.Count);
        Assert.False(buffer.Append(Sample(10)));
        Assert.False(buffer.Append(Sample(11)));
        Assert.True(buffer.Append(Sample(12)));
        Assert.Equal([10f, 100f, 11f, 110f, 12f, 120f], buffer.Snapshot("s").Values);
    }

    [Fact]
    public void Should_name_a_signal_the_reading_lacks()
    {
        var buffer = new WindowBuffer(new WindowSpec(3, ["flow", "temperature"]));

        Assert.Equal("temperature", buffer.MissingSignal(Sample(1)));
    }

    [Fact]
    public void Should_not_allocate_when_appending()
    {
        var buffer = new WindowBuffer(new WindowSpec(60, TwoSignals));
        var samples = Enumerable.Range(1, 1000).Select(i => Sample(i)).ToArray();
        foreach (var sample in samples.Take(100))
        {
            buffer.Append(sample);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 100; i < samples.Length; i++)
        {
            buffer.Append(samples[i]);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
