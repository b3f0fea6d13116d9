package dev.tersor.kernels.dense;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;

import java.lang.foreign.MemorySegment;

/** Scalar reference for dense row-major float32: plain left-to-right sums. */
public final class DenseScalarKernel {

    private DenseScalarKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment w, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        if (batch == 1) {
            float[] xs = Scratch.input(x, cols);
            for (int r = rowStart; r < rowEnd; r++) {
                long base = (long) r * cols;
                float acc = 0f;
                for (int j = 0; j < cols; j++) {
                    acc += w.getAtIndex(Layouts.F32, base + j) * xs[j];
                }
                y.setAtIndex(Layouts.F32, r, acc);
            }
            return;
        }
        float[] acc = Scratch.accumulator(batch);
        for (int r = rowStart; r < rowEnd; r++) {
            java.util.Arrays.fill(acc, 0, batch, 0f);
            long base = (long) r * cols;
            for (int j = 0; j < cols; j++) {
                float wj = w.getAtIndex(Layouts.F32, base + j);
                long xRow = (long) j * batch;
                for (int b = 0; b < batch; b++) {
                    acc[b] += wj * x.getAtIndex(Layouts.F32, xRow + b);
                }
            }
            MemorySegment.copy(acc, 0, y, Layouts.F32, (long) r * batch * 4, batch);
        }
    }
}
