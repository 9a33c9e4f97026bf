using System.Text;
using BenchmarkDotNet.Attributes;
using Pipeline.Models.Detection;
using Pipeline.Models.Sensors;
using Pipeline.Models.Telemetry;
using Pipeline.Streams.Storing;

namespace Pipeline.Benchmarks;

/// <summary>
/// The budget per reading of each stage a reading passes on its own (inference is per window: InferenceBenchmarks):
/// decoding its payload, appending it to its sensor's window (with the snapshot a full window hands to the model), and
/// its share of a 256-row store transaction (WAL, synchronous=FULL, on this machine's disk), and a transaction of its
/// own — a quiet node's batch, one reading, where the transaction's own cost is the reading's — and its verdict's.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class StageBenchmarks : IDisposable
{
    private const int StoreBatch = 256;
    private static readonly string[] Signals = ["flow", "temperature", "pressure", "current"];
    private readonly TelemetryCodec _codec = new(new TelemetryLimits());
    private readonly byte[] _payload = Encoding.UTF8.GetBytes(
        $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"seq":42,"flow":120.5,"temperature":21.30,"pressure":4.21,"current":8.52}""");
    private readonly WindowBuffer _window = new(new WindowSpec(60, Signals, 1));
    private readonly Reading _reading = new("esp32-01", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1,
        new Dictionary<string, double> { ["flow"] = 120.5, ["temperature"] = 21.3, ["pressure"] = 4.21, ["current"] = 8.52 });
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pipeline-bench-" + Guid.NewGuid().ToString("N"));
    private PipelineStore _store = null!;
    private long _seq;

    [GlobalSetup]
    public void Setup()
    {
        _store = PipelineStore.Open(new StoreOptions { Path = Path.Combine(_folder, "bench.db") });
        for (var i = 0; i < 60; i++)
        {
            _window.Append(_reading);
        }
    }

    [Benchmark]
    public TelemetryDecodeResult Decode() => _codec.Decode("pipeline/esp32-01/telemetry", _payload, DateTimeOffset.UtcNow);

    [Benchmark]
    public SensorWindow AppendToFullWindow()
    {
        _window.Append(_reading);
        return _window.Snapshot("esp32-01");
    }

    [Benchmark(OperationsPerInvoke = StoreBatch)]
    public async Task<StoreWriteResult> StoreRow()
    {
        var readings = new Reading[StoreBatch];
        for (var i = 0; i < StoreBatch; i++)
        {
            readings[i] = _reading with { Sequence = ++_seq };
        }

        return await _store.Readings.WriteAsync(readings, [], DateTimeOffset.UtcNow, CancellationToken.None);
    }

    [Benchmark]
    public async Task<StoreWriteResult> StoreOneRowAlone() =>
        await _store.Readings.WriteAsync([_reading with { Sequence = ++_seq }], [], DateTimeOffset.UtcNow, CancellationToken.None);

    /// <summary>A quiet node's verdict write: one window's verdict in a transaction of its own.</summary>
    [Benchmark]
    public async Task<int> StoreOneVerdictAlone()
    {
        var last = ++_seq;
        return await _store.Verdicts.WriteVerdictsAsync(
            [new Verdict("esp32-01", last - 59, last, 0, 59_000, 0.4213f, [0.1234567f, 0.2345678f, 0.3456789f, 0.4567891f], Signals, 1.5f, false, "default@20261129T183925Z", [0f, 0f, 0f, 0f])],
            CancellationToken.None);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _store?.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        GC.SuppressFinalize(this);
    }
}
