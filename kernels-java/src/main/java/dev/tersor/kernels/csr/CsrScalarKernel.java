package dev.tersor.kernels.csr;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar reference for CSR: one multiply-add per stored non-zero. */
public final class CsrScalarKernel {

    private CsrScalarKernel() {
    }

    /**
     * {@code Σ values[p]·xs[colIdx[p]]} over {@code [p, end)}, in order. The index width is switched on
     * once per row and each loop reads its segment here: through {@link IndexArray#get}, every read
     * would pass one shared method whose compiled form grows with every kind of segment any caller
     * ever gave it (heap arrays while encoding, mappings, arenas) until the JIT refuses to inline it,
     * which made this loop three times slower.
     */
    private static float dot(MemorySegment values, IndexArray colIdx, float[] xs, int p, int end) {
        MemorySegment idx = colIdx.segment();
        float acc = 0f;
        switch (colIdx.width()) {
            case U8 -> {
                for (; p < end; p++) {
                    acc += values.getAtIndex(Layouts.F32, p) * xs[idx.get(ValueLayout.JAVA_BYTE, p) & 0xFF];
                }
            }
            case U16 -> {
                for (; p < end; p++) {
                    acc += values.getAtIndex(Layouts.F32, p) * xs[idx.getAtIndex(Layouts.U16, p) & 0xFFFF];
                }
            }
            case U32 -> {
                for (; p < end; p++) {
                    acc += values.getAtIndex(Layouts.F32, p) * xs[idx.getAtIndex(Layouts.I32, p)];
                }
            }
        }
        return acc;
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment values, IndexArray colIdx,
                              IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        if (batch == 1) {
            float[] xs = Scratch.input(x, cols);
            int p = rowPtr.get(rowStart);
            for (int r = rowStart; r < rowEnd; r++) {
                int end = rowPtr.get(r + 1);
                y.setAtIndex(Layouts.F32, r, dot(values, colIdx, xs, p, end));
                p = end;
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
