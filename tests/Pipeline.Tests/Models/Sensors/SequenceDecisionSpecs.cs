using Pipeline.Models.Sensors;

namespace Pipeline.Tests.Models.Sensors;

public sealed class SequenceDecisionSpecs
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private static SequenceVerdict Decide(long? last, long lastTs, long seq, long ts) =>
        SequenceDecision.Decide(last, lastTs, seq, ts, Period, gapFactor: 3).Verdict;

    [Theory]
    [InlineData(null, 0, 1, 1_000, SequenceVerdict.Next)]
    [InlineData(10L, 10_000, 11, 11_000, SequenceVerdict.Next)]
    [InlineData(10L, 10_000, 12, 12_000, SequenceVerdict.Next)] // one missing: tolerated
    [InlineData(10L, 10_000, 10, 10_000, SequenceVerdict.Duplicate)]
    [InlineData(10L, 10_000, 9, 9_000, SequenceVerdict.OutOfOrder)]
    [InlineData(10L, 10_000, 11, 14_500, SequenceVerdict.Gap)] // 4.5 s > 3 periods
    [InlineData(10L, 10_000, 14, 12_000, SequenceVerdict.Gap)] // 3 readings missing
    [InlineData(1000L, 10_000, 1, 60_000, SequenceVerdict.Reset)] // counter restarted, time moved on
    public void Should_decide_by_sequence_and_time(long? last, long lastTs, long seq, long ts, SequenceVerdict expected) =>
        Assert.Equal(expected, Decide(last, lastTs, seq, ts));

    [Fact]
    public void Should_say_why_a_reading_is_out_of_order() =>
        Assert.Equal("sequence 9 is older than the last accepted 10", SequenceDecision.Decide(10, 10_000, 9, 9_000, Period, 3).Reason);
}
