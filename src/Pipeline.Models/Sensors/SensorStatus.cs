namespace Pipeline.Models.Sensors;

/// <summary>What <c>pipeline sensors list</c> shows of a sensor; its actor reports it as it changes.</summary>
public sealed record SensorStatus(
    string SensorId,
    DateTimeOffset? LastSeen,
    long? LastSequence,
    int WindowFill,
    int WindowLength,
    string Health,
    string Node,
    long Duplicates,
    long OutOfOrder,
    long Gaps,
    DateTimeOffset UpdatedAt);

/// <summary>Collects the latest status of every sensor (and persists it, in the node).</summary>
public interface ISensorStatusBoard
{
    void Report(SensorStatus status);
}
