using System.Numerics.Tensors;

namespace Pipeline.Models.Detection;

/// <summary>
/// The LSTM autoencoder's forward pass in plain C# (SIMD dot products from System.Numerics.Tensors), reading the same
/// bundle as TorchSharp. No native dependency: this is what scores on linux-arm64, where no libtorch exists.
/// Specs keep it equal to TorchSharp.
/// </summary>
public sealed class PortableDetector : IWindowScorer
{
    private readonly ModelArchitecture _arch;
    private readonly Scaler _scaler;
    private readonly Layer[] _encoder;
    private readonly Layer[] _decoder;
    private readonly float[] _outputWeight;
    private readonly float[] _outputBias;

    public PortableDetector(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        _arch = bundle.Architecture;
        _scaler = bundle.Scaler;
        _encoder = Layers(bundle, "encoder");
        _decoder = Layers(bundle, "decoder");
        _outputWeight = bundle.Weights["output.weight"];
        _outputBias = bundle.Weights["output.bias"];
    }

    public string Backend => "portable";

    public WindowScore[] Score(ReadOnlySpan<float> windows, int count)
    {
        var size = _arch.Window * _arch.Features;
        var scaled = WindowScore.Standardise(_arch, _scaler, windows, count);
        var scores = new WindowScore[count];
        var state = new State(_arch);
        for (var b = 0; b < count; b++)
        {
            scores[b] = ScoreOne(scaled.AsSpan(b * size, size), state);
        }

        return scores;
    }

    public void Dispose()
    {
    }

    private WindowScore ScoreOne(ReadOnlySpan<float> window, State state)
    {
        var output = state.Output;
        Forward(window, state, output);
        var features = _arch.Features;
        var perSignal = new float[features];
        var residual = new float[features];
        for (var t = 0; t < _arch.Window; t++)
        {
            for (var f = 0; f < features; f++)
            {
                var d = window[(t * features) + f] - output[(t * features) + f];
                perSignal[f] += d * d;
                residual[f] += d;
            }
        }

        var total = 0f;
        for (var f = 0; f < features; f++)
        {
            perSignal[f] /= _arch.Window;
            residual[f] /= _arch.Window;
            total += perSignal[f];
        }

        return new WindowScore(total / features, perSignal, residual);
    }

    private void Forward(ReadOnlySpan<float> window, State state, Span<float> output)
    {
        var hidden = _arch.Hidden;
        var features = _arch.Features;
        state.Reset();

        // Encoder: run every step through every layer; keep the top layer's last hidden state.
        for (var t = 0; t < _arch.Window; t++)
        {
            ReadOnlySpan<float> input = window.Slice(t * features, features);
            for (var l = 0; l < _encoder.Length; l++)
            {
                Step(_encoder[l], input, state.H[l], state.C[l], state.Gates);
                input = state.H[l];
            }
        }

        var latent = state.Latent;
        state.H[^1].CopyTo(latent, 0);
        state.Reset();

        // Decoder: the latent vector is the input at every step, so its input-gate products are computed once.
        var first = _decoder[0];
        var latentGates = state.LatentGates;
        for (var j = 0; j < 4 * hidden; j++)
        {
            latentGates[j] = TensorPrimitives.Dot(first.InputWeights.AsSpan(j * first.InputSize, first.InputSize), latent) + first.Bias[j];
        }

        for (var t = 0; t < _arch.Window; t++)
        {
            Step(first, latentGates, state.H[0], state.C[0], state.Gates, inputGatesPrecomputed: true);
            ReadOnlySpan<float> input = state.H[0];
            for (var l = 1; l < _decoder.Length; l++)
            {
                Step(_decoder[l], input, state.H[l], state.C[l], state.Gates);
                input = state.H[l];
            }

            var row = output.Slice(t * features, features);
            for (var f = 0; f < features; f++)
            {
                row[f] = TensorPrimitives.Dot(_outputWeight.AsSpan(f * hidden, hidden), input) + _outputBias[f];
            }
        }
    }

    /// <summary>One LSTM step (PyTorch gate order i, f, g, o).</summary>
    private static void Step(Layer layer, ReadOnlySpan<float> input, float[] h, float[] c, float[] gates, bool inputGatesPrecomputed = false)
    {
        var hidden = h.Length;
        for (var j = 0; j < 4 * hidden; j++)
        {
            var fromInput = inputGatesPrecomputed
                ? input[j]
                : TensorPrimitives.Dot(layer.InputWeights.AsSpan(j * layer.InputSize, layer.InputSize), input) + layer.Bias[j];
            gates[j] = fromInput + TensorPrimitives.Dot(layer.HiddenWeights.AsSpan(j * hidden, hidden), h);
        }

        for (var k = 0; k < hidden; k++)
        {
            var i = Sigmoid(gates[k]);
            var f = Sigmoid(gates[hidden + k]);
            var g = MathF.Tanh(gates[(2 * hidden) + k]);
            var o = Sigmoid(gates[(3 * hidden) + k]);
            c[k] = (f * c[k]) + (i * g);
            h[k] = o * MathF.Tanh(c[k]);
        }
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    private Layer[] Layers(ModelBundle bundle, string prefix) => Enumerable.Range(0, _arch.Layers).Select(l =>
    {
        var inputSize = l == 0 ? (prefix == "encoder" ? _arch.Features : _arch.Hidden) : _arch.Hidden;
        var bias = bundle.Weights[$"{prefix}.bias_ih_l{l}"].ToArray();
        TensorPrimitives.Add(bias, bundle.Weights[$"{prefix}.bias_hh_l{l}"], bias);
        return new Layer(bundle.Weights[$"{prefix}.weight_ih_l{l}"], bundle.Weights[$"{prefix}.weight_hh_l{l}"], bias, inputSize);
    }).ToArray();

    private sealed record Layer(float[] InputWeights, float[] HiddenWeights, float[] Bias, int InputSize);

    /// <summary>Scratch space for one window, reused across a batch.</summary>
    private sealed class State
    {
        public State(ModelArchitecture arch)
        {
            H = Enumerable.Range(0, arch.Layers).Select(_ => new float[arch.Hidden]).ToArray();
            C = Enumerable.Range(0, arch.Layers).Select(_ => new float[arch.Hidden]).ToArray();
            Gates = new float[4 * arch.Hidden];
            LatentGates = new float[4 * arch.Hidden];
            Latent = new float[arch.Hidden];
            Output = new float[arch.Window * arch.Features];
        }

        public float[][] H { get; }

        public float[][] C { get; }

        public float[] Gates { get; }

        public float[] LatentGates { get; }

        public float[] Latent { get; }

        public float[] Output { get; }

        public void Reset()
        {
            foreach (var h in H)
            {
                Array.Clear(h);
            }

            foreach (var c in C)
            {
                Array.Clear(c);
            }
        }
    }
}
