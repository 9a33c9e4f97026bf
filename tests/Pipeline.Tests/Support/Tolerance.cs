namespace Pipeline.Tests.Support;

/// <summary>Equal within a relative <paramref name="epsilon"/> (absolute below 1): two backends' or two paths' floats.</summary>
public sealed class Tolerance(float epsilon) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= epsilon * Math.Max(1, Math.Abs(x));

    public int GetHashCode(float obj) => 0;
}
