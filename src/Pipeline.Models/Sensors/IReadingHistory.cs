using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>Where a sensor refills its window from on (re)start: the store's latest readings.</summary>
public interface IReadingHistory
{
    /// <summary>
    /// The newest <paramref name="count"/> readings of <paramref name="sensorId"/> with a sequence below
    /// <paramref name="beforeSequence"/> (all, when null), oldest first.
    /// </summary>
    Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation);
}
