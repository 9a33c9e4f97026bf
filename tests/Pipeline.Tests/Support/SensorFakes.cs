using System.Collections.Concurrent;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;

namespace Pipeline.Tests.Support;

/// <summary>A history that holds what a spec gives it.</summary>
public sealed class InMemoryHistory(params Reading[] readings) : IReadingHistory
{
    public Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation) =>
        Task.FromResult<IReadOnlyList<Reading>>(readings
            .Where(r => r.SensorId == sensorId && r.Sequence < (beforeSequence ?? long.MaxValue))
            .OrderBy(r => r.Sequence).TakeLast(count).ToList());
}

/// <summary>Keeps the last status each sensor reported.</summary>
public sealed class RecordingStatusBoard : ISensorStatusBoard
{
    private readonly ConcurrentDictionary<string, SensorStatus> _latest = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, SensorStatus> Latest => _latest;

    public void Report(SensorStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        _latest[status.SensorId] = status;
    }
}
