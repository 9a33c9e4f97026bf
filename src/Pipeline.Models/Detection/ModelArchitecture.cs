namespace Pipeline.Models.Detection;

/// <summary>
/// The LSTM autoencoder: an encoder LSTM (F -> H, <see cref="Layers"/> layers) reads the window; its last hidden state,
/// repeated W times, feeds a decoder LSTM (H -> H) whose outputs a linear layer maps back to F signals.
/// </summary>
public sealed record ModelArchitecture(int Window, int Features, int Hidden = 32, int Layers = 1)
{
    public void Validate()
    {
        if (Window < 2 || Features < 1 || Hidden < 1 || Layers < 1)
        {
            throw new ModelBundleException($"architecture window={Window}, features={Features}, hidden={Hidden}, layers={Layers} is not usable");
        }
    }

    /// <summary>Names and shapes of every weight, in the order the bundle stores them (PyTorch's names and gate order i, f, g, o).</summary>
    public IReadOnlyList<(string Name, int[] Shape)> Tensors()
    {
        var tensors = new List<(string, int[])>();
        void Lstm(string prefix, int input)
        {
            for (var layer = 0; layer < Layers; layer++)
            {
                var inSize = layer == 0 ? input : Hidden;
                tensors.Add(($"{prefix}.weight_ih_l{layer}", [4 * Hidden, inSize]));
                tensors.Add(($"{prefix}.weight_hh_l{layer}", [4 * Hidden, Hidden]));
                tensors.Add(($"{prefix}.bias_ih_l{layer}", [4 * Hidden]));
                tensors.Add(($"{prefix}.bias_hh_l{layer}", [4 * Hidden]));
            }
        }

        Lstm("encoder", Features);
        Lstm("decoder", Hidden);
        tensors.Add(("output.weight", [Features, Hidden]));
        tensors.Add(("output.bias", [Features]));
        return tensors;
    }

    public int ParameterCount => Tensors().Sum(t => t.Shape.Aggregate(1, (a, b) => a * b));
}
