using System.Numerics.Tensors;

namespace Pipeline.Models.Detection;

/// <summary>How the pass keeps a bundle's weights (transposed, shared by its detectors) and its scratch space.</summary>
public sealed partial class PortableDetector
{
    private static Layer[] Layers(ModelArchitecture arch, IReadOnlyDictionary<string, float[]> weights, string prefix) => Enumerable.Range(0, arch.Layers).Select(l =>
    {
        var inputSize = l == 0 ? (prefix == "encoder" ? arch.Features : arch.Hidden) : arch.Hidden;
        var bias = weights[$"{prefix}.bias_ih_l{l}"].ToArray();
        TensorPrimitives.Add(bias, weights[$"{prefix}.bias_hh_l{l}"], bias);
        return new Layer(Transpose(weights[$"{prefix}.weight_ih_l{l}"], 4 * arch.Hidden, inputSize), Transpose(weights[$"{prefix}.weight_hh_l{l}"], 4 * arch.Hidden, arch.Hidden), bias);
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

    /// <param name="InputWeightsT">PyTorch's input weights transposed: input-size rows of 4 x hidden.</param>
    /// <param name="HiddenWeightsT">The recurrent weights transposed: hidden rows of 4 x hidden.</param>
    /// <param name="Bias">The input and the recurrent bias, added.</param>
    private sealed record Layer(float[] InputWeightsT, float[] HiddenWeightsT, float[] Bias);

    /// <summary>A bundle's layers in the pass's layout, and the scratch space its detectors share.</summary>
    private sealed class Network(Layer[] encoder, Layer[] decoder)
    {
        public Workspace? Spare;

        public Layer[] Encoder { get; } = encoder;

        public Layer[] Decoder { get; } = decoder;
    }

    /// <summary>Scratch space for a batch of up to <see cref="Capacity"/> windows: states window-major, gates gate-major.</summary>
    private sealed class Workspace
    {
        private readonly int _hidden;
        private readonly int _features;

        public Workspace(ModelArchitecture arch, int capacity)
        {
            Capacity = capacity;
            _hidden = arch.Hidden;
            _features = arch.Features;
            var units = capacity * arch.Hidden;
            H = Enumerable.Range(0, arch.Layers).Select(_ => new float[units]).ToArray();
            C = Enumerable.Range(0, arch.Layers).Select(_ => new float[units]).ToArray();
            Gates = new float[4 * units];
            LatentGates = new float[4 * units];
            Latent = new float[units];
            SquaredErrors = new float[capacity * arch.Features];
            Errors = new float[capacity * arch.Features];
            Scaled = new float[capacity * arch.Window * arch.Features];
        }

        public int Capacity { get; }

        /// <summary>The batch's windows, standardised.</summary>
        public float[] Scaled { get; }

        /// <summary>Each layer's hidden state, window by window.</summary>
        public float[][] H { get; }

        /// <summary>Each layer's cell state, window by window.</summary>
        public float[][] C { get; }

        public float[] Gates { get; }

        public float[] LatentGates { get; }

        public float[] Latent { get; }

        /// <summary>Per window and signal: the sum of squared and of signed reconstruction errors so far.</summary>
        public float[] SquaredErrors { get; }

        public float[] Errors { get; }

        /// <summary>Zero states for a new pass; the error sums are cleared once per batch, before the encoder.</summary>
        public void Reset(int batch)
        {
            var units = batch * _hidden;
            foreach (var h in H)
            {
                Array.Clear(h, 0, units);
            }

            foreach (var c in C)
            {
                Array.Clear(c, 0, units);
            }
        }

        public void ClearErrors(int batch)
        {
            var values = batch * _features;
            Array.Clear(SquaredErrors, 0, values);
            Array.Clear(Errors, 0, values);
        }
    }
}
