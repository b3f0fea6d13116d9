package dev.tersor.kernels.sham;

import dev.tersor.kernels.DecodedRows;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;

import java.lang.foreign.MemorySegment;

/**
 * Vector API kernel for sHAM; arguments as in {@link ShamScalarKernel}. Each row's columns and
 * codewords are decoded once (serially: gaps are a prefix sum, Huffman a chain) into a column list
 * and a value list; the product then runs like CSR's ({@link DecodedRows}): gathers of {@code L}
 * inputs per FMA for batch one, each value broadcast over up to four contiguous batch vectors
 * otherwise.
 */
public final class ShamVectorKernel {

    private ShamVectorKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                              MemorySegment symbols, MemorySegment decodeTable, float implicit, IndexArray colGap,
                              IndexArray rowPtr, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        ShamRowDecoder decoder = new ShamRowDecoder(stream, rowBit, decodeTable, colGap, rowPtr);
        float[] values = symbols.toArray(Layouts.F32);
        for (int k = 0; k < values.length; k++) {
            values[k] -= implicit;
        }
        DecodedRows.SparseRowWriter out = new DecodedRows.SparseRowWriter(cols, batch, x, y, implicit, rowScale);
        for (int r = rowStart; r < rowEnd; r++) {
            int m = decoder.decode(r);
            int[] sym = decoder.symbols();
            float[] v = Scratch.row(m);
            for (int i = 0; i < m; i++) {
                v[i] = values[sym[i]];
            }
            out.write(r, v, decoder.columns(), m);
        }
    }
}
