using Pipeline.Models.Detection;

namespace Pipeline.Host.Training;

/// <summary>
/// Which backend scores: the portable forward pass unless TorchSharp is asked for. <c>auto</c> chose TorchSharp on x64
/// until the portable pass cost less in the node there too — at full speed with 100 sensors, 233-234 against 354 µs of
/// CPU per reading, 144-151 against 239 µs once warm, and half the memory, libtorch not loaded (bench/README.md, #17).
/// TorchSharp still trains, and specs keep the two equal.
/// </summary>
public static class Detectors
{
    private static readonly Lazy<(bool Available, string? Reason)> TorchSharp = new(Probe);

    /// <summary>Whether libtorch loads on this machine, and if not, why.</summary>
    public static (bool Available, string? Reason) TorchSharpStatus => TorchSharp.Value;

    /// <param name="backend"><c>auto</c> (default), <c>torchsharp</c> or <c>portable</c>.</param>
    public static IWindowScorer Create(ModelBundle bundle, string backend = "auto")
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return backend switch
        {
            "auto" or "portable" => new PortableDetector(bundle),
            "torchsharp" when TorchSharp.Value.Available => CreateTorchSharp(bundle),
            "torchsharp" => throw new ModelBundleException($"backend 'torchsharp' was asked for, but libtorch cannot load here: {TorchSharp.Value.Reason}"),
            _ => throw new ArgumentException($"unknown backend '{backend}'; use auto, torchsharp or portable"),
        };
    }

    // Kept out of Create: compiling a method that names TorchSharpDetector loads TorchSharp.dll, which a node scoring
    // with the portable pass then carries for nothing (about 1 MB of its RSS, bench/README.md).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "Its signature must not name TorchSharpDetector either.")]
    private static IWindowScorer CreateTorchSharp(ModelBundle bundle) => new TorchSharpDetector(bundle);

    private static (bool, string?) Probe()
    {
        // TorchSharp ships libtorch for x64 only (TorchSharp #945). Probing elsewhere is not just futile: its loader
        // goes looking for natives and, measured under qemu, copied 478 MB of x64 libraries from the NuGet cache
        // into the application folder.
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return (false, $"no libtorch exists for {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier} (TorchSharp #945)");
        }

        try
        {
            OneDnnPrecision.Ensure();
            using var probe = global::TorchSharp.torch.ones(1);
            return (true, null);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or BadImageFormatException or InvalidOperationException)
        {
            return (false, e.GetBaseException().Message);
        }
    }
}
