package dev.tersor.kernels.sham;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.ScalarSparseRowWriter;
import dev.tersor.kernels.huffman.DecodeTable;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference for sHAM (sparse HAM, Marinò et al.): only the entries that differ from the
 * implicit value are stored, their columns as narrow gaps ({@link ShamRows}) and their codebook
 * indices as canonical Huffman codewords. {@code y_r = s_r·(Σ_p (symbols[k_p] − ω0)·x_{col_p} + ω0·Σx)},
 * where {@code ω0 = implicit} is the most frequent value (0 for a pruned matrix, in which case the
 * last term vanishes) and {@code s_r} appears only with row scales.
 *
 * <p>Arguments, flat for native kernels: {@code stream} u32 words MSB-first; {@code rowBit[rows+1]}
 * the start bit of each row's codewords; {@code symbols} f32 in canonical order; {@code decodeTable}
 * a {@link DecodeTable}; {@code implicit} ω0; {@code colGap} the gap entries and
 * {@code rowPtr[rows+1]} the start of each row in them; {@code rowScale} f32[rows] or empty.
 */
public final class ShamScalarKernel {

    private ShamScalarKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                              MemorySegment symbols, MemorySegment decodeTable, float implicit, IndexArray colGap,
                              IndexArray rowPtr, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        ShamRowDecoder decoder = new ShamRowDecoder(stream, rowBit, decodeTable, colGap, rowPtr);
        ScalarSparseRowWriter out = new ScalarSparseRowWriter(cols, batch, x, y, implicit, rowScale);
        for (int r = rowStart; r < rowEnd; r++) {
            int m = decoder.decode(r);
            out.write(r, symbols, 0, decoder.symbols(), decoder.columns(), m);
        }
    }
}
