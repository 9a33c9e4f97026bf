namespace Pipeline.Models.Sensors;

/// <summary>What a sensor does with a reading, given the last one it accepted.</summary>
public enum SequenceVerdict
{
    /// <summary>The next reading (or the first): append it.</summary>
    Next,

    /// <summary>Already seen (a redelivery): ignore it, count it.</summary>
    Duplicate,

    /// <summary>Older than the last one accepted: reject it with the reason.</summary>
    OutOfOrder,

    /// <summary>Too long since the last one (or too many missing): start the window again with it.</summary>
    Gap,

    /// <summary>The sequence went back but time went forward: the device restarted its counter; start again.</summary>
    Reset,
}

public sealed record SequenceDecision(SequenceVerdict Verdict, string? Reason = null)
{
    public static readonly SequenceDecision Next = new(SequenceVerdict.Next);
    public static readonly SequenceDecision Duplicate = new(SequenceVerdict.Duplicate);

    /// <summary>
    /// Decides on a reading with <paramref name="sequence"/> and <paramref name="timestampMs"/> after the last accepted
    /// one. A gap is more than <paramref name="gapFactor"/> sampling periods of time, or that many readings missing.
    /// </summary>
    public static SequenceDecision Decide(long? lastSequence, long lastTimestampMs, long sequence, long timestampMs, TimeSpan samplingPeriod, double gapFactor)
    {
        if (lastSequence is not { } last)
        {
            return Next;
        }

        if (sequence == last)
        {
            return Duplicate;
        }

        var allowedMs = samplingPeriod.TotalMilliseconds * gapFactor;
        if (sequence < last)
        {
            return timestampMs > lastTimestampMs + allowedMs
                ? new SequenceDecision(SequenceVerdict.Reset, $"sequence went back from {last} to {sequence} while time went forward {timestampMs - lastTimestampMs} ms: device counter restarted")
                : new SequenceDecision(SequenceVerdict.OutOfOrder, $"sequence {sequence} is older than the last accepted {last}");
        }

        var elapsedMs = timestampMs - lastTimestampMs;
        if (elapsedMs > allowedMs)
        {
            return new SequenceDecision(SequenceVerdict.Gap, $"{elapsedMs} ms since the last reading (more than {gapFactor} x {samplingPeriod.TotalMilliseconds} ms)");
        }

        var missing = sequence - last - 1;
        return missing >= gapFactor
            ? new SequenceDecision(SequenceVerdict.Gap, $"{missing} readings missing between {last} and {sequence}")
            : Next;
    }
}
