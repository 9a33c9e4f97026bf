using BenchmarkDotNet.Attributes;
using Pipeline.Host.Training;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;

namespace Pipeline.Benchmarks;

/// <summary>
/// Windows scored per second by each backend and batch size, on the shipped architecture (window 60 x 4 signals,
/// hidden 32). The weights come from a short training run: speed does not depend on their values.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private IWindowScorer _scorer = null!;
    private float[] _windows = null!;

    [Params("torchsharp", "portable")]
    public string Backend { get; set; } = "portable";

    [Params(1, 16, 64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var rows = Enumerable.Range(0, 600).Select(t => new[] { 120f + (float)Math.Sin(t / 9.0), 21f, 4.2f + (float)(random.NextDouble() * 0.1), 8.5f }).ToArray();
        var table = new SignalTable(["flow", "temperature", "pressure", "current"], rows, Enumerable.Range(0, 600).Select(t => t * 1000L).ToArray());
        var bundle = Trainer.Train(table, new TrainingOptions { Window = 60, Hidden = 32, Epochs = 1 });
        _scorer = Detectors.Create(bundle, Backend);
        _windows = table.Windows(60, 1, out var count)[..(Batch * 60 * 4)];
        _ = count;
    }

    [Benchmark]
    public WindowScore[] Score() => _scorer.Score(_windows, Batch);

    [GlobalCleanup]
    public void Cleanup() => _scorer.Dispose();
}
