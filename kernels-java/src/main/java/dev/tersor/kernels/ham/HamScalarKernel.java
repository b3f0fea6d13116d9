package dev.tersor.kernels.ham;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.huffman.CanonicalDecoder;
import dev.tersor.kernels.huffman.DecodeTable;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference for HAM (Huffman Address Map, Marinò et al.): every entry of a row, zeros
 * included, is a canonical Huffman codeword for its codebook index. Each row is decoded once into
 * symbol indices and multiplied in column order: {@code y_r = s_r·Σ_j symbols[k_j]·x_j}, with
 * {@code s_r} only when the matrix has row scales. W is never materialized beyond one row of
 * symbol indices.
 *
 * <p>Arguments, all flat so that a native kernel can take the same: {@code stream} u32 words
 * (MSB-first), {@code rowBit[rows+1]} the bit offset where each row starts, {@code symbols} f32 in
 * canonical order, {@code decodeTable} a {@link DecodeTable}, {@code rowScale} f32[rows] or empty.
 */
public final class HamScalarKernel {

    private HamScalarKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                              MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        int[] table = DecodeTable.load(decodeTable);
        boolean scaled = rowScale.byteSize() != 0;
        int[] sym = Scratch.symbols(cols);
        float[] acc = Scratch.accumulator(batch);
        for (int r = rowStart; r < rowEnd; r++) {
            CanonicalDecoder.decode(stream, table, Integer.toUnsignedLong(rowBit.get(r)), cols, sym, 0);
            java.util.Arrays.fill(acc, 0, batch, 0f);
            for (int j = 0; j < cols; j++) {
                float w = symbols.getAtIndex(Layouts.F32, sym[j]);
                long xRow = (long) j * batch;
                for (int b = 0; b < batch; b++) {
                    acc[b] += w * x.getAtIndex(Layouts.F32, xRow + b);
                }
            }
            float scale = scaled ? rowScale.getAtIndex(Layouts.F32, r) : 1f;
            for (int b = 0; b < batch; b++) {
                y.setAtIndex(Layouts.F32, (long) r * batch + b, scaled ? acc[b] * scale : acc[b]);
            }
        }
    }
}
