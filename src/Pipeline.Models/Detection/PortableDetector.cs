using System.Numerics.Tensors;

namespace Pipeline.Models.Detection;

/// <summary>
/// The LSTM autoencoder's forward pass in plain C#, reading the same bundle as TorchSharp. No native dependency: this is
/// what scores on linux-arm64, where no libtorch exists. Specs keep it equal to TorchSharp.
/// <para>
/// Vectorised with System.Numerics.Tensors (AVX on x64, NEON on arm64): the weights are kept transposed, so a step's
/// 4 x hidden gates are built by one multiply-add of a whole weight row per input element (long vectors, no horizontal
/// sums), and the gates' sigmoid and tanh run over whole spans. One thread: spreading a batch over the cores was
/// measured unstable on a busy 2-core machine (bench/README.md), and the node's other stages need those cores too.
/// </para>
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
                Step(_encoder[l], input, state.H[l], state.C[l], state.Gates, state.Scratch);
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
            Step(first, latentGates, state.H[0], state.C[0], state.Gates, state.Scratch, inputGatesPrecomputed: true);
            ReadOnlySpan<float> input = state.H[0];
            for (var l = 1; l < _decoder.Length; l++)
            {
                Step(_decoder[l], input, state.H[l], state.C[l], state.Gates, state.Scratch);
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
    private static void Step(Layer layer, ReadOnlySpan<float> input, float[] h, float[] c, float[] gates, float[] scratch, bool inputGatesPrecomputed = false)
    {
        var hidden = h.Length;
        var width = 4 * hidden;
        Span<float> g = gates;
        if (inputGatesPrecomputed)
        {
            input.CopyTo(g);
        }
        else
        {
            layer.Bias.CopyTo(g);
            for (var k = 0; k < layer.InputSize; k++)
            {
                TensorPrimitives.MultiplyAdd(layer.InputWeightsT.AsSpan(k * width, width), input[k], g, g);
            }
        }

        for (var k = 0; k < hidden; k++)
        {
            TensorPrimitives.MultiplyAdd(layer.HiddenWeightsT.AsSpan(k * width, width), h[k], g, g);
        }

        var inputGate = g[..hidden];
        var forgetGate = g.Slice(hidden, hidden);
        var cellGate = g.Slice(2 * hidden, hidden);
        var outputGate = g.Slice(3 * hidden, hidden);
        TensorPrimitives.Sigmoid(g[..(2 * hidden)], g[..(2 * hidden)]);
        TensorPrimitives.Tanh(cellGate, cellGate);
        TensorPrimitives.Sigmoid(outputGate, outputGate);
        TensorPrimitives.Multiply(forgetGate, c, c);
        TensorPrimitives.MultiplyAdd(inputGate, cellGate, c, c);
        TensorPrimitives.Tanh(c, scratch);
        TensorPrimitives.Multiply(outputGate, scratch, h);
    }

    private Layer[] Layers(ModelBundle bundle, string prefix) => Enumerable.Range(0, _arch.Layers).Select(l =>
    {
        var inputSize = l == 0 ? (prefix == "encoder" ? _arch.Features : _arch.Hidden) : _arch.Hidden;
        var bias = bundle.Weights[$"{prefix}.bias_ih_l{l}"].ToArray();
        TensorPrimitives.Add(bias, bundle.Weights[$"{prefix}.bias_hh_l{l}"], bias);
        var inputWeights = bundle.Weights[$"{prefix}.weight_ih_l{l}"];
        return new Layer(inputWeights, Transpose(inputWeights, 4 * _arch.Hidden, inputSize), Transpose(bundle.Weights[$"{prefix}.weight_hh_l{l}"], 4 * _arch.Hidden, _arch.Hidden), bias, inputSize);
    }).ToArray();

    /// <summary>A row-major rows x columns matrix as columns x rows.</summary>
    private static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var transposed = new float[matrix.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < columns; k++)
            {
                transposed[(k * rows) + r] = matrix[(r * columns) + k];
            }
        }

        return transposed;
    }

    /// <param name="InputWeights">As PyTorch keeps them (4 x hidden rows of InputSize): the decoder's constant latent input uses them once per window.</param>
    /// <param name="InputWeightsT">Transposed: InputSize rows of 4 x hidden.</param>
    /// <param name="HiddenWeightsT">Transposed: hidden rows of 4 x hidden.</param>
    private sealed record Layer(float[] InputWeights, float[] InputWeightsT, float[] HiddenWeightsT, float[] Bias, int InputSize);

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
            Scratch = new float[arch.Hidden];
            Output = new float[arch.Window * arch.Features];
        }

        public float[][] H { get; }

        public float[][] C { get; }

        public float[] Gates { get; }

        public float[] LatentGates { get; }

        public float[] Latent { get; }

        public float[] Scratch { get; }

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
