using Pipeline.Models.Detection;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Host.Training;

/// <summary>The LSTM autoencoder as a TorchSharp module; its parameter names are the bundle's tensor names.</summary>
internal sealed class LstmAutoencoderModule : nn.Module<Tensor, Tensor>
{
    private readonly LSTM encoder;
    private readonly LSTM decoder;
    private readonly Linear output;
    private readonly int _window;

    public LstmAutoencoderModule(ModelArchitecture architecture)
        : base("lstm_autoencoder")
    {
        _window = architecture.Window;
        encoder = nn.LSTM(architecture.Features, architecture.Hidden, architecture.Layers, batchFirst: true);
        decoder = nn.LSTM(architecture.Hidden, architecture.Hidden, architecture.Layers, batchFirst: true);
        output = nn.Linear(architecture.Hidden, architecture.Features);
        RegisterComponents();
    }

    /// <param name="input">B x W x F, standardised.</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (_, hidden, _) = encoder.call(input, null);
        var latent = hidden[-1].unsqueeze(1).expand(-1, _window, -1);
        var (decoded, _, _) = decoder.call(latent, null);
        return output.call(decoded).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scores a batch of standardised windows (B x W x F): each signal's mean squared and mean reconstruction residual.
    /// The caller owns the dispose scope and the inference mode.
    /// </summary>
    public WindowScore[] Score(Tensor input)
    {
        var count = (int)input.shape[0];
        var features = (int)input.shape[2];
        var difference = input - call(input);
        var perSignal = difference.square().mean([1]).data<float>().ToArray(); // B x F
        var residual = difference.mean([1]).data<float>().ToArray();
        var scores = new WindowScore[count];
        for (var b = 0; b < count; b++)
        {
            var signals = new Range(b * features, (b + 1) * features);
            scores[b] = WindowScore.FromPerSignal(perSignal[signals], residual[signals]);
        }

        return scores;
    }

    public void LoadWeights(IReadOnlyDictionary<string, float[]> weights)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (!weights.TryGetValue(name, out var values))
            {
                throw new ModelBundleException($"the bundle has no tensor '{name}'");
            }

            using var source = tensor(values).reshape(parameter.shape);
            parameter.copy_(source);
        }
    }

    public Dictionary<string, float[]> ExportWeights() =>
        named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray(), StringComparer.Ordinal);
}
