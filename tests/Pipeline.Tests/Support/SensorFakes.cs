using System.Collections.Concurrent;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Ingesting;

namespace Pipeline.Tests.Support;

/// <summary>A history that holds what a spec gives it.</summary>
public sealed class InMemoryHistory(params Reading[] readings) : IReadingHistory
{
    public Task<IReadOnlyList<Reading>> LatestAsync(string sensorId, int count, long? beforeSequence, CancellationToken cancellation) =>
        Task.FromResult<IReadOnlyList<Reading>>(readings
            .Where(r => r.SensorId == sensorId && r.Sequence < (beforeSequence ?? long.MaxValue))
            .OrderBy(r => r.Sequence).TakeLast(count).ToList());

    public Task<IReadOnlyList<Reading>> FromAsync(string sensorId, long fromSequence, int count, CancellationToken cancellation) =>
        Task.FromResult<IReadOnlyList<Reading>>(readings
            .Where(r => r.SensorId == sensorId && r.Sequence >= fromSequence)
            .OrderBy(r => r.Sequence).Take(count).ToList());
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

/// <summary>Sensors that answer each batch as a spec says: with verdicts, late, or not at all.</summary>
public sealed class ScriptedSensorFleet(Func<IReadOnlyList<Reading>, Task<IReadOnlyList<Verdict>>> answer) : ISensorFleet
{
    public Task<IReadOnlyList<Verdict>> RecordAsync(IReadOnlyList<Reading> readings, CancellationToken cancellation) => answer(readings);
}

/// <summary>A store whose calibrations cannot be read the first few times it is asked (a server restarting), then can.</summary>
public sealed class UnreadableCalibrations(ISensorCalibrations store, int failures) : ISensorCalibrations
{
    private int _asked;

    public int Refused => Math.Min(Volatile.Read(ref _asked), failures);

    public Task<SensorCalibration?> LoadCalibrationAsync(string sensorId, string modelVersion, CancellationToken cancellation) =>
        Interlocked.Increment(ref _asked) <= failures
            ? Task.FromException<SensorCalibration?>(new IOException("the store cannot be reached"))
            : store.LoadCalibrationAsync(sensorId, modelVersion, cancellation);

    public Task<IReadOnlyList<SensorCalibration>> LoadCalibrationsAsync(string modelVersion, CancellationToken cancellation) =>
        store.LoadCalibrationsAsync(modelVersion, cancellation);

    public Task<int> DeleteCalibrationsAsync(string sensorId, CancellationToken cancellation) => store.DeleteCalibrationsAsync(sensorId, cancellation);

    public Task SaveCalibrationAsync(SensorCalibration calibration, CancellationToken cancellation) => store.SaveCalibrationAsync(calibration, cancellation);
}

/// <summary>A node's hearing as a spec switches it: deaf until <see cref="Since"/> is set.</summary>
public sealed class SwitchedHearing : INodeHearing
{
    private long _since;
    private int _looks;

    public DateTimeOffset? Since
    {
        get => Interlocked.Read(ref _since) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        set => Interlocked.Exchange(ref _since, value?.UtcTicks ?? 0);
    }

    /// <summary>How often a sensor has asked: each of its silence checks asks once.</summary>
    public int Looks => Volatile.Read(ref _looks);

    public DateTimeOffset? HearingSince
    {
        get
        {
            Interlocked.Increment(ref _looks);
            return Since;
        }
    }
}

/// <summary>The store's part, in memory.</summary>
public sealed class InMemoryCalibrations : ISensorCalibrations
{
    public List<SensorCalibration> Saved { get; } = [];

    public IReadOnlyList<SensorCalibration> LoadCalibrations(string modelVersion)
    {
        lock (Saved)
        {
            return Saved.Where(c => c.ModelVersion == modelVersion).ToList();
        }
    }

    public Task<IReadOnlyList<SensorCalibration>> LoadCalibrationsAsync(string modelVersion, CancellationToken cancellation) =>
        Task.FromResult(LoadCalibrations(modelVersion));

    public Task<SensorCalibration?> LoadCalibrationAsync(string sensorId, string modelVersion, CancellationToken cancellation) =>
        Task.FromResult(LoadCalibrations(modelVersion).SingleOrDefault(c => c.SensorId == sensorId));

    public Task<int> DeleteCalibrationsAsync(string sensorId, CancellationToken cancellation)
    {
        lock (Saved)
        {
            return Task.FromResult(Saved.RemoveAll(c => c.SensorId == sensorId));
        }
    }

    public Task SaveCalibrationAsync(SensorCalibration calibration, CancellationToken cancellation)
    {
        lock (Saved)
        {
            Saved.RemoveAll(c => c.SensorId == calibration.SensorId && c.ModelVersion == calibration.ModelVersion);
            Saved.Add(calibration);
        }

        return Task.CompletedTask;
    }

    public void Forget(string sensor)
    {
        lock (Saved)
        {
            Saved.RemoveAll(c => c.SensorId == sensor);
        }
    }
}
