package dev.tersor.kernels.xor;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.ScalarSparseRowWriter;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference for the XOR-encrypted format (Kwon et al.): the q bit-planes of each care
 * entry's codebook index are decoded slice by slice through the XOR network, patched, and the entry
 * contributes {@code (omega[1 + index] − omega[0])·x_col}; pruned entries hold the implicit value
 * {@code omega[0]}, accounted for once per row as {@code omega[0]·Σx}. Row scales multiply once per
 * row. The row layout is described in {@link XorRows}.
 *
 * <p>Arguments, flat for native kernels: {@code planes} q, {@code wordBits} N_in, {@code sliceBits}
 * N_out, {@code decodeTable} the byte tables of {@link XorNetwork} (i64), {@code words},
 * {@code omega} f32[1 + K], {@code patchPtr}, {@code patches}, {@code mask}, {@code maskRowBit},
 * {@code riceBits}, {@code rowScale} f32[rows] or empty.
 */
public final class XorScalarKernel {

    private XorScalarKernel() {
    }

    public static void matMul(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                              MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                              IndexArray patchPtr, IndexArray patches, MemorySegment mask, IndexArray maskRowBit,
                              int riceBits, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        XorRowDecoder decoder = new XorRowDecoder(cols, planes, wordBits, sliceBits, decodeTable, words, patchPtr,
                patches, mask, maskRowBit, riceBits);
        float implicit = omega.getAtIndex(Layouts.F32, 0);
        ScalarSparseRowWriter out = new ScalarSparseRowWriter(cols, batch, x, y, implicit, rowScale);
        for (int r = rowStart; r < rowEnd; r++) {
            int m = decoder.decode(r);
            out.write(r, omega, 1, decoder.indices(), decoder.columns(), m);
        }
    }
}
