using BenchmarkDotNet.Attributes;
using Pipeline.Host.Training;
using Pipeline.Models.Data;
using Pipeline.Models.Detection;
using Pipeline.Models.Simulation;

namespace Pipeline.Benchmarks;

/// <summary>
/// One sensor's calibration at the end of its learning period (400 readings of a simulated pump, the shipped model):
/// what every new sensor costs its node once, on each backend.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class CommissioningBenchmarks
{
    private ModelBundle _model = null!;
    private SignalTable _learned = null!;

    [Params("torchsharp", "portable")]
    public string Backend { get; set; } = "portable";

    [GlobalSetup]
    public void Setup()
    {
        _model = ModelBundle.Load("models/default");
        _learned = new PumpSimulator("p", 7).Record(400);
    }

    [Benchmark]
    public SensorCalibration Calibrate() => Commissioning.Calibrate("p", _model, _learned, DateTimeOffset.UnixEpoch, b => Detectors.Create(b, Backend));
}
