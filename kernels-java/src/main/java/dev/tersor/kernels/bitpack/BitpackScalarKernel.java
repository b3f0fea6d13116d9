package dev.tersor.kernels.bitpack;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference for the per-channel bit-packed format (self-compression export, Cséfalvay and
 * Imber): row {@code r} holds {@code cols} integers {@code q} of {@code rowBits[r]} bits, laid out
 * as {@link BitpackRows} describes, and {@code W[r][c] = q·rowScale[r]} with the scale a power of
 * two. {@code y_r = rowScale[r]·Σ_j q_j·x_j}; rows of width 0 are absent and give 0.
 *
 * <p>Arguments, flat for native kernels: {@code rowBits} u8[rows], {@code rowScale} f32[rows],
 * {@code rowPtr[rows+1]} the first u32 word of each row in {@code data}.
 */
public final class BitpackScalarKernel {

    private BitpackScalarKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment rowBits, MemorySegment rowScale,
                              IndexArray rowPtr, MemorySegment data, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        float[] acc = new float[batch];
        for (int r = rowStart; r < rowEnd; r++) {
            int bits = rowBits.get(java.lang.foreign.ValueLayout.JAVA_BYTE, r) & 0xFF;
            java.util.Arrays.fill(acc, 0f);
            if (bits > 0) {
                long base = Integer.toUnsignedLong(rowPtr.get(r));
                for (int j = 0; j < cols; j++) {
                    int q = value(data, base, j, bits);
                    long xRow = (long) j * batch;
                    for (int b = 0; b < batch; b++) {
                        acc[b] += q * x.getAtIndex(Layouts.F32, xRow + b);
                    }
                }
            }
            float scale = rowScale.getAtIndex(Layouts.F32, r);
            for (int b = 0; b < batch; b++) {
                y.setAtIndex(Layouts.F32, (long) r * batch + b, acc[b] * scale);
            }
        }
    }

    /** Value {@code j} of the row whose words start at {@code base}. */
    public static int value(MemorySegment data, long base, int j, int bits) {
        long word = base + BitpackRows.wordOf(j, bits);
        int shift = BitpackRows.shiftOf(j, bits);
        long v = Integer.toUnsignedLong(data.getAtIndex(Layouts.I32, word)) >>> shift;
        if (shift + bits > 32) {
            v |= Integer.toUnsignedLong(data.getAtIndex(Layouts.I32, word + BitpackRows.LANES)) << (32 - shift);
        }
        return BitpackRows.signExtend((int) v, bits);
    }
}
