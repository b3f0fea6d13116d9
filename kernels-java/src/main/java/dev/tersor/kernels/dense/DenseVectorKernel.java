package dev.tersor.kernels.dense;

import dev.tersor.kernels.BatchStore;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;
import static dev.tersor.kernels.VectorSupport.LE;

/**
 * Vector API kernel for dense row-major float32. Batch one streams each row against x with four
 * independent FMA chains; larger batches broadcast each weight over up to four batch vectors.
 */
public final class DenseVectorKernel {

    private DenseVectorKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment w, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        if (batch == 1) {
            matVec(cols, w, Scratch.input(x, cols), y, rowStart, rowEnd);
        } else {
            for (int b0 = 0; b0 < batch; b0 += 4 * L) {
                matMulBlock(cols, batch, b0, Math.min(4 * L, batch - b0), w, x, y, rowStart, rowEnd);
            }
        }
    }

    private static void matVec(int cols, MemorySegment w, float[] x, MemorySegment y, int rowStart, int rowEnd) {
        int upper4 = cols - cols % (4 * L);
        int upper = cols - cols % L;
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * 4;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            int j = 0;
            for (; j < upper4; j += 4 * L) {
                long off = row + 4L * j;
                a0 = FloatVector.fromMemorySegment(F, w, off, LE).fma(FloatVector.fromArray(F, x, j), a0);
                a1 = FloatVector.fromMemorySegment(F, w, off + 4L * L, LE).fma(FloatVector.fromArray(F, x, j + L), a1);
                a2 = FloatVector.fromMemorySegment(F, w, off + 8L * L, LE).fma(FloatVector.fromArray(F, x, j + 2 * L), a2);
                a3 = FloatVector.fromMemorySegment(F, w, off + 12L * L, LE).fma(FloatVector.fromArray(F, x, j + 3 * L), a3);
            }
            for (; j < upper; j += L) {
                a0 = FloatVector.fromMemorySegment(F, w, row + 4L * j, LE).fma(FloatVector.fromArray(F, x, j), a0);
            }
            float acc = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
            for (; j < cols; j++) {
                acc += w.get(Layouts.F32, row + 4L * j) * x[j];
            }
            y.setAtIndex(Layouts.F32, r, acc);
        }
    }

    /**
     * Batch columns {@code [b0, b0 + width)}, {@code width ≤ 4L}: whole vectors in registers, the
     * remaining {@code width % L} lanes in one masked vector.
     */
    private static void matMulBlock(int cols, int batch, int b0, int width, MemorySegment w, MemorySegment x,
                                    MemorySegment y, int rowStart, int rowEnd) {
        int vectors = width / L;
        VectorMask<Float> tailMask = BatchStore.tailMask(width);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * 4;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector at = FloatVector.zero(F);
            for (int j = 0; j < cols; j++) {
                float wj = w.get(Layouts.F32, row + 4L * j);
                long xo = 4L * ((long) j * batch + b0);
                FloatVector v = FloatVector.broadcast(F, wj);
                if (vectors > 0) {
                    a0 = FloatVector.fromMemorySegment(F, x, xo, LE).fma(v, a0);
                    if (vectors > 1) {
                        a1 = FloatVector.fromMemorySegment(F, x, xo + 4L * L, LE).fma(v, a1);
                        if (vectors > 2) {
                            a2 = FloatVector.fromMemorySegment(F, x, xo + 8L * L, LE).fma(v, a2);
                            if (vectors > 3) {
                                a3 = FloatVector.fromMemorySegment(F, x, xo + 12L * L, LE).fma(v, a3);
                            }
                        }
                    }
                }
                if (tailMask != null) {
                    at = FloatVector.fromMemorySegment(F, x, xo + 4L * vectors * L, LE, tailMask).fma(v, at);
                }
            }
            BatchStore.store(y, 4L * ((long) r * batch + b0), vectors, a0, a1, a2, a3, at, tailMask, 0f, null, 1f);
        }
    }
}
