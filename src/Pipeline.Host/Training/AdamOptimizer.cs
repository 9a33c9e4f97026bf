using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Host.Training;

/// <summary>
/// Adam (Kingma and Ba, no weight decay), computed as TorchSharp's <c>optim.Adam</c> computes it, operation by operation,
/// so a seed trains the same weights — but with every scalar it hands libtorch held until libtorch is done with it.
/// <para>
/// Why not TorchSharp's: its step makes each scalar (<c>alpha: 1 - beta1</c>, <c>value: -step_size</c>) by an implicit
/// conversion and passes only the scalar's native handle on. Nothing holds the <see cref="Scalar"/> after that, so a
/// collection during the native call may finalise it and free the scalar under libtorch, which then reads a scalar of
/// no known type: "Expected false to be true" from <c>Scalar::toFloat</c> in <c>add_</c>. The test suite's training
/// failed so once in a dozen runs, where other threads allocate and collect; <c>pipeline train</c> could too. Measured
/// with <c>bench/Pipeline.Benchmarks -- scalar-race</c> (Adam's first-moment update under two collecting threads):
/// 279 and 91 of 3,000,000 updates failed with scalars made on the fly (two runs), 0 with them held.
/// </para>
/// </summary>
internal sealed class AdamOptimizer : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999; // TorchSharp's optim.Adam default, which trained every bundle so far

    private readonly Parameter[] _parameters;
    private readonly Tensor[] _averages;
    private readonly Tensor[] _squareAverages;
    private readonly double _learningRate;
    private readonly Scalar _beta1 = Beta1.ToScalar();
    private readonly Scalar _beta1Complement = (1 - Beta1).ToScalar();
    private readonly Scalar _beta2 = Beta2.ToScalar();
    private readonly Scalar _beta2Complement = (1 - Beta2).ToScalar();
    private readonly Scalar _epsilon = 1e-8.ToScalar();
    private long _steps;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate)
    {
        _parameters = [.. parameters];
        _averages = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        _squareAverages = [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        _learningRate = learningRate;
    }

    /// <summary>Updates each parameter from its gradient; the caller's dispose scope takes the gradients' handles.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        _steps++;
        using var root = Math.Sqrt(1 - Math.Pow(Beta2, _steps)).ToScalar();
        using var stepSize = (-(_learningRate / (1 - Math.Pow(Beta1, _steps)))).ToScalar();
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].grad is not { } gradient)
            {
                continue;
            }

            _averages[i].mul_(_beta1).add_(gradient, _beta1Complement);
            _squareAverages[i].mul_(_beta2).addcmul_(gradient, gradient, _beta2Complement);
            using var denominator = _squareAverages[i].sqrt();
            denominator.div_(root).add_(_epsilon);
            _parameters[i].addcdiv_(_averages[i], denominator, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var tensor in _averages.Concat(_squareAverages))
        {
            tensor.Dispose();
        }

        foreach (var scalar in new[] { _beta1, _beta1Complement, _beta2, _beta2Complement, _epsilon })
        {
            scalar.Dispose();
        }
    }
}
