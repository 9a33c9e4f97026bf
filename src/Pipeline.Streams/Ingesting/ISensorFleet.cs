using Pipeline.Models.Detection;
using Pipeline.Models.Telemetry;

namespace Pipeline.Streams.Ingesting;

/// <summary>
/// The sensors, as the ingest stream sees them: each stored batch's readings go in, the verdicts of the windows they
/// made due come out — judged, and with the alarms they changed already journalled.
/// </summary>
public interface ISensorFleet
{
    /// <param name="readings">One stored batch's readings, in receive order (any mix of sensors).</param>
    /// <returns>The batch's verdicts, each sensor's in order.</returns>
    Task<IReadOnlyList<Verdict>> RecordAsync(IReadOnlyList<Reading> readings, CancellationToken cancellation);
}
