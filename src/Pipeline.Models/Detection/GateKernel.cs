using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pipeline.Models.Detection;

/// <summary>
/// The matrix-matrix product at the heart of an LSTM step over a batch of windows: gates += inputs x weightsᵀ, for every
/// window of the batch at once. Gates are laid out gate-major (gate, window, unit), so each nonlinearity afterwards is one
/// long span operation over the whole batch.
/// <para>
/// Why a hand-written kernel: a multiply-add per weight row (the previous pass) loads and stores the 4 x hidden gates
/// once per input element. Here a block of 4 windows x 2 vectors of gates stays in registers for the whole sum, each
/// weight vector loaded is used for 4 windows, and each input element is broadcast once: 8 fused multiply-adds per 2
/// loads. A window outside the blocks of 4 keeps the same 2 vectors of all 4 gates in registers instead: 8 independent
/// sums again. <see cref="Vector{T}"/> is 256 bits with AVX2 on x64 and 128 bits with NEON on arm64; both have 16 or more
/// vector registers, enough for the 11 live values of the 4 x 2 block. Compiled fully optimised at once
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): the tiered JIT's first versions of vector code are many
/// times slower (no inlining of the vector operations), and a node's first minutes of readings ran on them.
/// </para>
/// </summary>
internal static class GateKernel
{
    private const int Rows = 4;

    /// <summary>
    /// Adds inputs x weightsᵀ to <paramref name="gates"/>: for window b, gate column c (= gate x hidden + unit),
    /// gates[(gate x batch + b) x hidden + unit] += Σₖ inputs[offset + b x stride + k] x weightsT[k x 4·hidden + c].
    /// </summary>
    /// <param name="inputs">Row b of the inputs starts at offset + b x stride and has <paramref name="inputSize"/> values.</param>
    /// <param name="weightsT">The layer's weights transposed: inputSize rows of 4 x hidden.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(Span<float> gates, int batch, int hidden, ReadOnlySpan<float> inputs, int offset, int stride, int inputSize, ReadOnlySpan<float> weightsT)
    {
        if (gates.Length < 4 * batch * hidden || weightsT.Length < inputSize * 4 * hidden || (batch > 0 && inputs.Length < offset + ((batch - 1) * stride) + inputSize))
        {
            throw new ArgumentException("gates, inputs or weights are shorter than the batch needs");
        }

        var lanes = Vector<float>.Count;
        ref var gate0 = ref MemoryMarshal.GetReference(gates);
        ref var input0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(inputs), offset);
        ref var weight0 = ref MemoryMarshal.GetReference(weightsT);
        var width = 4 * hidden;
        var blocked = hidden - (hidden % (2 * lanes));
        for (var unit = 0; unit < blocked; unit += 2 * lanes)
        {
            var b = 0;
            for (; b + Rows <= batch; b += Rows)
            {
                for (var gate = 0; gate < 4; gate++)
                {
                    Block4x2(ref Unsafe.Add(ref gate0, (((gate * batch) + b) * hidden) + unit), hidden, ref Unsafe.Add(ref input0, b * stride), stride, inputSize, ref Unsafe.Add(ref weight0, (gate * hidden) + unit), width);
                }
            }

            for (; b < batch; b++)
            {
                Block1x4x2(ref Unsafe.Add(ref gate0, (b * hidden) + unit), batch * hidden, ref Unsafe.Add(ref input0, b * stride), inputSize, ref Unsafe.Add(ref weight0, unit), hidden, width);
            }
        }

        for (var gate = 0; gate < 4; gate++)
        {
            // Hidden sizes that are no multiple of two vectors: the rest one value at a time.
            for (var unit = blocked; unit < hidden; unit++)
            {
                for (var b = 0; b < batch; b++)
                {
                    ref var sum = ref Unsafe.Add(ref gate0, (((gate * batch) + b) * hidden) + unit);
                    for (var k = 0; k < inputSize; k++)
                    {
                        sum += Unsafe.Add(ref input0, (b * stride) + k) * Unsafe.Add(ref weight0, (k * width) + (gate * hidden) + unit);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x2(ref float gates, int hidden, ref float inputs, int stride, int inputSize, ref float weights, int width)
    {
        var lanes = (nuint)Vector<float>.Count;
        ref var g1 = ref Unsafe.Add(ref gates, hidden);
        ref var g2 = ref Unsafe.Add(ref gates, 2 * hidden);
        ref var g3 = ref Unsafe.Add(ref gates, 3 * hidden);
        var a0 = Vector.LoadUnsafe(ref gates);
        var a1 = Vector.LoadUnsafe(ref gates, lanes);
        var b0 = Vector.LoadUnsafe(ref g1);
        var b1 = Vector.LoadUnsafe(ref g1, lanes);
        var c0 = Vector.LoadUnsafe(ref g2);
        var c1 = Vector.LoadUnsafe(ref g2, lanes);
        var d0 = Vector.LoadUnsafe(ref g3);
        var d1 = Vector.LoadUnsafe(ref g3, lanes);
        ref var x1 = ref Unsafe.Add(ref inputs, stride);
        ref var x2 = ref Unsafe.Add(ref inputs, 2 * stride);
        ref var x3 = ref Unsafe.Add(ref inputs, 3 * stride);
        for (var k = 0; k < inputSize; k++)
        {
            ref var row = ref Unsafe.Add(ref weights, k * width);
            var w0 = Vector.LoadUnsafe(ref row);
            var w1 = Vector.LoadUnsafe(ref row, lanes);
            var x = new Vector<float>(Unsafe.Add(ref inputs, k));
            a0 = Vector.FusedMultiplyAdd(x, w0, a0);
            a1 = Vector.FusedMultiplyAdd(x, w1, a1);
            x = new Vector<float>(Unsafe.Add(ref x1, k));
            b0 = Vector.FusedMultiplyAdd(x, w0, b0);
            b1 = Vector.FusedMultiplyAdd(x, w1, b1);
            x = new Vector<float>(Unsafe.Add(ref x2, k));
            c0 = Vector.FusedMultiplyAdd(x, w0, c0);
            c1 = Vector.FusedMultiplyAdd(x, w1, c1);
            x = new Vector<float>(Unsafe.Add(ref x3, k));
            d0 = Vector.FusedMultiplyAdd(x, w0, d0);
            d1 = Vector.FusedMultiplyAdd(x, w1, d1);
        }

        a0.StoreUnsafe(ref gates);
        a1.StoreUnsafe(ref gates, lanes);
        b0.StoreUnsafe(ref g1);
        b1.StoreUnsafe(ref g1, lanes);
        c0.StoreUnsafe(ref g2);
        c1.StoreUnsafe(ref g2, lanes);
        d0.StoreUnsafe(ref g3);
        d1.StoreUnsafe(ref g3, lanes);
    }

    /// <summary>
    /// One window, the same 2 vectors of units in each of the 4 gates: 8 sums, each input element broadcast once. A
    /// window alone (a quiet node scores each reading as it comes) or left over from the blocks of 4 takes this path;
    /// a block of one gate's 2 vectors had only 2 sums, each fused multiply-add waiting for the one before, and ran at a
    /// fraction of the blocks of 4's rate. Its shape is <see cref="Block4x2"/>'s turned round (4 gates of one window
    /// here, 4 windows of one gate there); one kernel with strides for both would load each weight vector 4 times in the
    /// blocks of 4, or broadcast the same input 4 times here, in the loop the pass spends most of its time in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1x4x2(ref float gates, int gateStride, ref float inputs, int inputSize, ref float weights, int weightGateStride, int width)
    {
        var lanes = (nuint)Vector<float>.Count;
        ref var g1 = ref Unsafe.Add(ref gates, gateStride);
        ref var g2 = ref Unsafe.Add(ref gates, 2 * gateStride);
        ref var g3 = ref Unsafe.Add(ref gates, 3 * gateStride);
        var i0 = Vector.LoadUnsafe(ref gates);
        var i1 = Vector.LoadUnsafe(ref gates, lanes);
        var f0 = Vector.LoadUnsafe(ref g1);
        var f1 = Vector.LoadUnsafe(ref g1, lanes);
        var c0 = Vector.LoadUnsafe(ref g2);
        var c1 = Vector.LoadUnsafe(ref g2, lanes);
        var o0 = Vector.LoadUnsafe(ref g3);
        var o1 = Vector.LoadUnsafe(ref g3, lanes);
        for (var k = 0; k < inputSize; k++)
        {
            ref var row = ref Unsafe.Add(ref weights, k * width);
            ref var forget = ref Unsafe.Add(ref row, weightGateStride);
            ref var cell = ref Unsafe.Add(ref row, 2 * weightGateStride);
            ref var output = ref Unsafe.Add(ref row, 3 * weightGateStride);
            var x = new Vector<float>(Unsafe.Add(ref inputs, k));
            i0 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref row), i0);
            i1 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref row, lanes), i1);
            f0 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref forget), f0);
            f1 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref forget, lanes), f1);
            c0 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref cell), c0);
            c1 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref cell, lanes), c1);
            o0 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref output), o0);
            o1 = Vector.FusedMultiplyAdd(x, Vector.LoadUnsafe(ref output, lanes), o1);
        }

        i0.StoreUnsafe(ref gates);
        i1.StoreUnsafe(ref gates, lanes);
        f0.StoreUnsafe(ref g1);
        f1.StoreUnsafe(ref g1, lanes);
        c0.StoreUnsafe(ref g2);
        c1.StoreUnsafe(ref g2, lanes);
        o0.StoreUnsafe(ref g3);
        o1.StoreUnsafe(ref g3, lanes);
    }
}
