package dev.tersor.kernels.xor;

import dev.tersor.kernels.DecodedRows;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.L;

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
        long[] table = XorNetwork.load(decodeTable);
        float[] values = omega.toArray(Layouts.F32);
        float implicit = values[0];
        boolean scaled = rowScale.byteSize() != 0;
        float[] xs = batch == 1 ? Scratch.input(x, cols) : null;
        float implicitSum = batch == 1 && implicit != 0f ? implicit * DecodedRows.sum(xs, cols) : 0f;
        float[][] blockSums = batch > 1 && implicit != 0f ? DecodedRows.blockSums(cols, batch, x) : null;
        int[] columns = Scratch.columns(cols);
        int[] indices = Scratch.symbols(cols);
        float[] v = Scratch.row(cols);
        long[] planeBits = new long[Math.max(1, planes)];
        for (int r = rowStart; r < rowEnd; r++) {
            int m = XorRows.decode(r, cols, planes, wordBits, sliceBits, table, words, patchPtr, patches, mask,
                    maskRowBit, riceBits, columns, indices, planeBits);
            for (int i = 0; i < m; i++) {
                v[i] = values[1 + indices[i]] - implicit;
            }
            float scale = scaled ? rowScale.getAtIndex(Layouts.F32, r) : 1f;
            if (batch == 1) {
                float result = DecodedRows.sparseDot(v, columns, m, xs) + implicitSum;
                y.setAtIndex(Layouts.F32, r, scaled ? result * scale : result);
            } else {
                for (int b0 = 0; b0 < batch; b0 += 4 * L) {
                    DecodedRows.block(v, columns, m, batch, b0, Math.min(4 * L, batch - b0), x, y, r, implicit,
                            blockSums == null ? null : blockSums[b0 / (4 * L)], scale);
                }
            }
        }
    }
}
