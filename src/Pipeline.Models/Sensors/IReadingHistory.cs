using Pipeline.Models.Telemetry;

namespace Pipeline.Models.Sensors;

/// <summary>Where a sensor refills on (re)start: the store's latest readings, and those it had not judged yet.</summary>
public interface IReadingHistory
{
    /// <summary>
    /// The newest <paramref name="count"/> readings of <paramref name="sensorId"/> with a sequence below
    /// <paramref name="beforeSequence"/> (all, when null), oldest first.
    /// </summary>
    Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation);

    /// <summary>
    /// The oldest <paramref name="count"/> readings of <paramref name="sensorId"/> from <paramref name="fromSequence"/>
    /// on, oldest first: those stored, and perhaps acknowledged, whose windows a previous incarnation had not judged yet.
    /// </summary>
    Task<IReadOnlyList<Reading>> FromAsync(string sensorId, long fromSequence, int count, CancellationToken cancellation);
}
