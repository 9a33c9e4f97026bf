using System.Runtime.CompilerServices;
using Pipeline.Host.Training;

namespace Pipeline.Tests.Support;

/// <summary>
/// Pins libtorch's oneDNN to its AVX2 kernels before any spec runs, as the node does before its first use of TorchSharp.
/// Some specs call TorchSharp directly (AdamOptimizerSpecs): run first, their first operator fixed oneDNN's kernels for
/// the whole process, and DetectorEquivalenceSpecs then compared the portable pass with the AVX-512 LSTM it is not equal
/// to (CI, 2026-12-02: 61.26 against 61.87; reproduced with a linear layer run before training).
/// </summary>
internal static class OneDnnPin
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The spec assembly's own process-wide set-up, before any spec.")]
    internal static void BeforeAnySpec() => OneDnnPrecision.Ensure();
}
