namespace Pipeline.Models.Detection;

/// <summary>How badly a window was reconstructed: mean squared error (in standard units) per signal, and their mean.</summary>
public readonly record struct WindowScore(float Total, float[] PerSignal);

/// <summary>Scores batches of windows with one model. Implemented by TorchSharp and by a portable C# forward pass.</summary>
public interface IWindowScorer : IDisposable
{
    string Backend { get; }

    /// <summary>Scores <paramref name="count"/> windows given raw (unscaled) as count x W x F values.</summary>
    WindowScore[] Score(ReadOnlySpan<float> windows, int count);
}
