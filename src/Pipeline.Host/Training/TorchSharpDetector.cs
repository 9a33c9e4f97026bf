using Pipeline.Models.Detection;
using static TorchSharp.torch;

namespace Pipeline.Host.Training;

/// <summary>
/// Scores with TorchSharp (libtorch): batched, in inference mode. The reference implementation; where libtorch cannot
/// load (linux-arm64), <see cref="Detectors"/> falls back to <see cref="PortableDetector"/>.
/// </summary>
public sealed class TorchSharpDetector : IWindowScorer
{
    private readonly LstmAutoencoderModule _module;
    private readonly ModelArchitecture _arch;
    private readonly Scaler _scaler;

    public TorchSharpDetector(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        OneDnnPrecision.Ensure();
        _arch = bundle.Architecture;
        _scaler = bundle.Scaler;
        _module = TorchRandom.Seeded(null, () => new LstmAutoencoderModule(_arch)); // its initial weights, replaced below, draw from the generator
        _module.LoadWeights(bundle.Weights);
        _module.eval();
    }

    public string Backend => "torchsharp";

    public WindowScore[] Score(ReadOnlySpan<float> windows, int count)
    {
        var scaled = WindowScore.Standardise(_arch, _scaler, windows, count);

        // Chosen for latency: a small batch is fastest on one thread (no fork/join); from about 64 windows the
        // second core pays off.
        set_num_threads(count >= 64 ? Math.Min(2, Environment.ProcessorCount) : 1);
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        return _module.Score(tensor(scaled).reshape(count, _arch.Window, _arch.Features));
    }

    public void Dispose() => _module.Dispose();
}
