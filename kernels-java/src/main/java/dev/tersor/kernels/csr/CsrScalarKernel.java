package dev.tersor.kernels.csr;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;

import java.lang.foreign.MemorySegment;

/** Scalar reference for CSR: one multiply-add per stored non-zero. */
public final class CsrScalarKernel {

    private CsrScalarKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment values, IndexArray colIdx,
                              IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        if (batch == 1) {
            float[] xs = Scratch.input(x, cols);
            int p = rowPtr.get(rowStart);
            for (int r = rowStart; r < rowEnd; r++) {
                int end = rowPtr.get(r + 1);
                float acc = 0f;
                for (; p < end; p++) {
                    acc += values.getAtIndex(Layouts.F32, p) * xs[colIdx.get(p)];
                }
                y.setAtIndex(Layouts.F32, r, acc);
            }
            return;
        }
        float[] acc = Scratch.accumulator(batch);
        int p = rowPtr.get(rowStart);
        for (int r = rowStart; r < rowEnd; r++) {
            java.util.Arrays.fill(acc, 0, batch, 0f);
            int end = rowPtr.get(r + 1);
            for (; p < end; p++) {
                float v = values.getAtIndex(Layouts.F32, p);
                long xRow = (long) colIdx.get(p) * batch;
                for (int b = 0; b < batch; b++) {
                    acc[b] += v * x.getAtIndex(Layouts.F32, xRow + b);
                }
            }
            MemorySegment.copy(acc, 0, y, Layouts.F32, (long) r * batch * 4, batch);
        }
    }
}
