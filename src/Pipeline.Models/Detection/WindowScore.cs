namespace Pipeline.Models.Detection;

/// <summary>
/// How badly a window was reconstructed: mean squared error (in standard units) per signal, and their mean.
/// <paramref name="Residual"/> is each signal's mean of input minus reconstruction (standard units): which way the
/// signal is off from what the model expected of it.
/// </summary>
public readonly record struct WindowScore(float Total, float[] PerSignal, float[] Residual)
{
    public static WindowScore FromPerSignal(float[] perSignal, float[] residual) => new(perSignal.Average(), perSignal, residual);

    /// <summary>Checks that <paramref name="windows"/> holds <paramref name="count"/> raw windows and returns them standardised.</summary>
    public static float[] Standardise(ModelArchitecture architecture, Scaler scaler, ReadOnlySpan<float> windows, int count)
    {
        Check(architecture, windows, count);
        var scaled = windows.ToArray();
        scaler.Apply(scaled);
        return scaled;
    }

    /// <summary>Throws unless <paramref name="windows"/> holds exactly <paramref name="count"/> windows of the architecture.</summary>
    public static void Check(ModelArchitecture architecture, ReadOnlySpan<float> windows, int count)
    {
        if (windows.Length != count * architecture.Window * architecture.Features)
        {
            throw new ArgumentException(
                $"expected {count} windows of {architecture.Window}x{architecture.Features} values, got {windows.Length} values");
        }
    }
}

/// <summary>Scores batches of windows with one model. Implemented by TorchSharp and by a portable C# forward pass.</summary>
public interface IWindowScorer : IDisposable
{
    string Backend { get; }

    /// <summary>Scores <paramref name="count"/> windows given raw (unscaled) as count x W x F values.</summary>
    WindowScore[] Score(ReadOnlySpan<float> windows, int count);
}
