using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pipeline.Models.Detection;

/// <summary>
/// The LSTM autoencoder's forward pass in plain C#, reading the same bundle as TorchSharp. No native dependency: this is
/// what scores on linux-arm64, where no libtorch exists. Specs keep it equal to TorchSharp.
/// <para>
/// Batched: all windows of a batch take each time step together, so a step's gates are one matrix-matrix product
/// (<see cref="GateKernel"/>, the weights kept transposed) and its sigmoid, tanh and cell update are one span operation
/// each over the whole batch (System.Numerics.Tensors: AVX on x64, NEON on arm64). One thread: spreading a batch over
/// the cores was measured unstable on a busy 2-core machine (bench/README.md), and the node's other stages need those
/// cores too.
/// </para>
/// </summary>
public sealed partial class PortableDetector : IWindowScorer
{
    private readonly ModelArchitecture _arch;
    private readonly Scaler _scaler;
    private readonly Layer[] _encoder;
    private readonly Layer[] _decoder;
    private readonly float[] _outputWeight;
    private readonly float[] _outputBias;
    private readonly Network _network;

    // The weights in the pass's layout, per bundle weights: a sensor's calibration scores its learning windows through
    // a detector per candidate scaler (Commissioning.OffsetCentre, dozens per sensor), and each one transposed the
    // weights and took new scratch space — a third of what a fresh node allocated while 100 sensors commissioned.
    private static readonly ConditionalWeakTable<IReadOnlyDictionary<string, float[]>, Network> Networks = new();

    public PortableDetector(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        _arch = bundle.Architecture;
        _scaler = bundle.Scaler;
        var arch = _arch;
        _network = Networks.GetValue(bundle.Weights, weights => new Network(Layers(arch, weights, "encoder"), Layers(arch, weights, "decoder")));
        (_encoder, _decoder) = (_network.Encoder, _network.Decoder);
        _outputWeight = bundle.Weights["output.weight"];
        _outputBias = bundle.Weights["output.bias"];
    }

    public string Backend => "portable";

    public WindowScore[] Score(ReadOnlySpan<float> windows, int count)
    {
        WindowScore.Check(_arch, windows, count);
        if (count == 0)
        {
            return [];
        }

        // Scratch space is kept between calls, and shared by the detectors of the same weights (a node scores a batch
        // every few milliseconds); a second caller at the same moment gets its own, and the larger one is kept.
        var chunk = ChunkOf(_arch);
        var workspace = Interlocked.Exchange(ref _network.Spare, null);
        if (workspace is null || workspace.Capacity < Math.Min(count, chunk))
        {
            workspace = new Workspace(_arch, Math.Min((int)BitOperations.RoundUpToPowerOf2((uint)count), chunk));
        }

        try
        {
            var size = _arch.Window * _arch.Features;
            var scores = new WindowScore[count];
            for (var first = 0; first < count; first += workspace.Capacity)
            {
                var batch = Math.Min(workspace.Capacity, count - first);
                windows.Slice(first * size, batch * size).CopyTo(workspace.Scaled);
                _scaler.Apply(workspace.Scaled.AsSpan(0, batch * size));
                Forward(workspace.Scaled, batch, workspace);
                Scores(batch, workspace, scores.AsSpan(first, batch));
            }

            return scores;
        }
        finally
        {
            if (Volatile.Read(ref _network.Spare) is not { } kept || kept.Capacity < workspace.Capacity)
            {
                _network.Spare = workspace;
            }
        }
    }

    /// <summary>
    /// The most windows taken through the pass together: a batch's standardised windows stay under 64 KB, so its scratch
    /// space stays off the large-object heap, whose free space is never given back. Its arrays had grown with the
    /// largest batch (a calibration's 371 windows); replaced, they left 7 MB free there in a node of 100 sensors. A window
    /// costs about the same at 64 as at 256 (bench/README.md, "Inference per backend and batch size").
    /// </summary>
    private static int ChunkOf(ModelArchitecture arch) => Math.Clamp(16_384 / (arch.Window * arch.Features), 1, 64);

    public void Dispose()
    {
    }

    /// <summary>Runs every window of the batch through the autoencoder together, one time step of all windows at a time.</summary>
    private void Forward(float[] scaled, int batch, Workspace work)
    {
        var hidden = _arch.Hidden;
        var features = _arch.Features;
        var window = _arch.Window;
        var units = batch * hidden;
        work.Reset(batch);
        work.ClearErrors(batch);

        // Encoder: every step through every layer; the top layer's last hidden states are the latent vectors.
        for (var t = 0; t < window; t++)
        {
            InputGates(_encoder[0], batch, scaled, t * features, window * features, features, work);
            Step(_encoder[0], batch, work.H[0], work.C[0], work);
            UpperLayers(_encoder, batch, work);
        }

        work.H[^1].AsSpan(0, units).CopyTo(work.Latent);
        work.Reset(batch);

        // Decoder: the latent vector is the first layer's input at every step, so its share of the gates is computed once.
        var first = _decoder[0];
        InputGates(first, batch, work.Latent, 0, hidden, hidden, work);
        work.Gates.AsSpan(0, 4 * units).CopyTo(work.LatentGates);
        for (var t = 0; t < window; t++)
        {
            work.LatentGates.AsSpan(0, 4 * units).CopyTo(work.Gates);
            Step(first, batch, work.H[0], work.C[0], work);
            UpperLayers(_decoder, batch, work);
            Reconstruct(scaled, batch, t, work.H[_decoder.Length - 1], work);
        }
    }

    /// <summary>Layers 1 and up take one step, each fed the hidden states of the layer below.</summary>
    private static void UpperLayers(Layer[] layers, int batch, Workspace work)
    {
        for (var l = 1; l < layers.Length; l++)
        {
            var hidden = layers[l].Bias.Length / 4;
            InputGates(layers[l], batch, work.H[l - 1], 0, hidden, hidden, work);
            Step(layers[l], batch, work.H[l], work.C[l], work);
        }
    }

    /// <summary>The gates' input share: the layer's biases plus inputs x input weightsᵀ, for every window.</summary>
    private static void InputGates(Layer layer, int batch, float[] inputs, int offset, int stride, int inputSize, Workspace work)
    {
        StartGates(layer, batch, work);
        GateKernel.Accumulate(work.Gates, batch, layer.Bias.Length / 4, inputs, offset, stride, inputSize, layer.InputWeightsT);
    }

    /// <summary>Every window's gates start at the layer's two biases.</summary>
    private static void StartGates(Layer layer, int batch, Workspace work)
    {
        var hidden = layer.Bias.Length / 4;
        for (var gate = 0; gate < 4; gate++)
        {
            var bias = layer.Bias.AsSpan(gate * hidden, hidden);
            for (var b = 0; b < batch; b++)
            {
                bias.CopyTo(work.Gates.AsSpan(((gate * batch) + b) * hidden, hidden));
            }
        }
    }

    /// <summary>
    /// Completes one LSTM step for the whole batch (PyTorch gate order i, f, g, o): the recurrent share of the gates, the
    /// nonlinearities and the cell update, each one span operation over all windows.
    /// </summary>
    private static void Step(Layer layer, int batch, float[] h, float[] c, Workspace work)
    {
        var hidden = layer.Bias.Length / 4;
        var units = batch * hidden;
        GateKernel.Accumulate(work.Gates, batch, hidden, h, 0, hidden, hidden, layer.HiddenWeightsT);
        var gates = work.Gates.AsSpan(0, 4 * units);
        var inputGate = gates[..units];
        var forgetGate = gates.Slice(units, units);
        var cellGate = gates.Slice(2 * units, units);
        var outputGate = gates.Slice(3 * units, units);
        var cell = c.AsSpan(0, units);

        // Span operations beat a hand-fused loop here (measured: 76 against 110 µs per window at batch 1): their
        // sigmoid and tanh are cheaper than tanh as 2σ(2x) - 1 with a division each.
        TensorPrimitives.Sigmoid(gates[..(2 * units)], gates[..(2 * units)]);
        TensorPrimitives.Tanh(cellGate, cellGate);
        TensorPrimitives.Sigmoid(outputGate, outputGate);
        TensorPrimitives.Multiply(forgetGate, cell, cell);
        TensorPrimitives.MultiplyAdd(inputGate, cellGate, cell, cell);
        TensorPrimitives.Tanh(cell, cellGate);
        TensorPrimitives.Multiply(outputGate, cellGate, h.AsSpan(0, units));
    }

    /// <summary>Step t's output of every window, compared with its input as it goes: only the sums are kept.</summary>
    private void Reconstruct(float[] scaled, int batch, int t, float[] top, Workspace work)
    {
        var hidden = _arch.Hidden;
        var features = _arch.Features;
        var size = _arch.Window * features;
        for (var b = 0; b < batch; b++)
        {
            var h = top.AsSpan(b * hidden, hidden);
            for (var f = 0; f < features; f++)
            {
                var output = TensorPrimitives.Dot(_outputWeight.AsSpan(f * hidden, hidden), h) + _outputBias[f];
                var d = scaled[(b * size) + (t * features) + f] - output;
                work.SquaredErrors[(b * features) + f] += d * d;
                work.Errors[(b * features) + f] += d;
            }
        }
    }

    private void Scores(int batch, Workspace work, Span<WindowScore> scores)
    {
        var features = _arch.Features;
        for (var b = 0; b < batch; b++)
        {
            var perSignal = work.SquaredErrors.AsSpan(b * features, features).ToArray();
            var residual = work.Errors.AsSpan(b * features, features).ToArray();
            TensorPrimitives.Divide(perSignal, _arch.Window, perSignal);
            TensorPrimitives.Divide(residual, _arch.Window, residual);
            scores[b] = new WindowScore(TensorPrimitives.Sum(perSignal) / features, perSignal, residual);
        }
    }
}
