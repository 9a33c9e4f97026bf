using System.Runtime.InteropServices;

namespace Pipeline.Host.Training;

/// <summary>
/// Keeps libtorch's oneDNN off its AVX-512 LSTM kernels, whose single-layer scores came out about 1 % off on an AMD
/// EPYC with AVX-512 (2026-12-01: 61.26 against 61.87, where the portable pass and oneDNN's AVX2 kernels agree to
/// 1e-4). TorchSharp trains the model and specs hold the portable pass equal to it, so both must compute the same
/// LSTM. oneDNN reads <c>ONEDNN_MAX_CPU_ISA</c> from the process's environment once, at its first primitive; an
/// operator's own value is left as it is.
/// </summary>
internal static class OneDnnPrecision
{
    private static readonly Lazy<bool> Pinned = new(Pin);

    /// <summary>Before anything of libtorch runs; once per process.</summary>
    public static void Ensure() => _ = Pinned.Value;

    private static bool Pin()
    {
        // .NET's Environment.SetEnvironmentVariable changes only its own copy on Linux; native code reads libc's.
        // libtorch exists for x64 glibc only (TorchSharp #945), where libc.so.6 is always there.
        return OperatingSystem.IsLinux() && SetEnvironment("ONEDNN_MAX_CPU_ISA", "AVX2", overwrite: 0) == 0;
    }

    [DllImport("libc.so.6", EntryPoint = "setenv", CallingConvention = CallingConvention.Cdecl)]
    private static extern int SetEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
