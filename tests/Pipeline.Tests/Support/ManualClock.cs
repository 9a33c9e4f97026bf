namespace Pipeline.Tests.Support;

/// <summary>A clock a spec moves by hand: time that passes without anything running, as for a frozen process.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;

    public void Advance(TimeSpan by) => Now += by;

    public override DateTimeOffset GetUtcNow() => Now;
}
