package dev.tersor.kernels.xor;

import dev.tersor.kernels.DecodedRows;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;

import java.lang.foreign.MemorySegment;

/**
 * Vector API kernel for the XOR-encrypted format; arguments as in {@link XorScalarKernel}. The
 * decode of a row (Rice-coded mask, one table-driven XOR expansion per slice and plane, patches) is
 * scalar work proportional to the care entries and slices; it yields a column list and a value list
 * once per row, and the product runs on them like CSR's ({@link DecodedRows}).
 */
public final class XorVectorKernel {

    private XorVectorKernel() {
    }

    public static void matMul(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                              MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                              IndexArray patchPtr, IndexArray patches, MemorySegment mask, IndexArray maskRowBit,
                              int riceBits, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        XorRowDecoder decoder = new XorRowDecoder(cols, planes, wordBits, sliceBits, decodeTable, words, patchPtr,
                patches, mask, maskRowBit, riceBits);
        float[] values = omega.toArray(Layouts.F32);
        float implicit = values[0];
        DecodedRows.SparseRowWriter out = new DecodedRows.SparseRowWriter(cols, batch, x, y, implicit, rowScale);
        float[] v = Scratch.row(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            int m = decoder.decode(r);
            int[] indices = decoder.indices();
            for (int i = 0; i < m; i++) {
                v[i] = values[1 + indices[i]] - implicit;
            }
            out.write(r, v, decoder.columns(), m);
        }
    }
}
