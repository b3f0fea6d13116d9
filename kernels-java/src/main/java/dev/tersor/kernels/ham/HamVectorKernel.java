package dev.tersor.kernels.ham;

import dev.tersor.kernels.DecodedRows;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.huffman.CanonicalDecoder;
import dev.tersor.kernels.huffman.DecodeTable;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.L;

/**
 * Vector API kernel for HAM; arguments as in {@link HamScalarKernel}. Huffman decoding is serial
 * by nature, so each row is decoded once, table-driven, into a row of weights; the arithmetic on
 * that row is vectorized ({@link DecodedRows}): four FMA chains against x for batch one, and for
 * larger batches each non-zero weight broadcast over up to four batch vectors, every block of the
 * batch reusing the decoded row.
 */
public final class HamVectorKernel {

    private HamVectorKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                              MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        int[] table = DecodeTable.load(decodeTable);
        float[] values = symbols.toArray(Layouts.F32);
        boolean scaled = rowScale.byteSize() != 0;
        int[] sym = Scratch.symbols(cols);
        float[] w = Scratch.row(cols);
        float[] xs = batch == 1 ? Scratch.input(x, cols) : null;
        for (int r = rowStart; r < rowEnd; r++) {
            CanonicalDecoder.decode(stream, table, Integer.toUnsignedLong(rowBit.get(r)), cols, sym, 0);
            for (int j = 0; j < cols; j++) {
                w[j] = values[sym[j]];
            }
            float scale = scaled ? rowScale.getAtIndex(Layouts.F32, r) : 1f;
            if (batch == 1) {
                float acc = DecodedRows.denseDot(w, xs, cols);
                y.setAtIndex(Layouts.F32, r, scaled ? acc * scale : acc);
            } else {
                for (int b0 = 0; b0 < batch; b0 += 4 * L) {
                    DecodedRows.block(w, null, cols, batch, b0, Math.min(4 * L, batch - b0), x, y, r, 0f, null, scale);
                }
            }
        }
    }
}
