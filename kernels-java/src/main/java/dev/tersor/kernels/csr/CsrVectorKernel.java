package dev.tersor.kernels.csr;

import dev.tersor.kernels.BatchStore;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.VectorSupport;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;
import static dev.tersor.kernels.VectorSupport.LE;

/**
 * Vector API kernel for CSR. Batch one gathers {@code L} inputs per step through widened column
 * indices; larger batches turn every gather into contiguous loads of the batch, since X is laid out
 * {@code [cols][batch]}.
 */
public final class CsrVectorKernel {

    private CsrVectorKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment values, IndexArray colIdx,
                              IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        if (batch == 1) {
            matVec(values, colIdx, rowPtr, Scratch.input(x, cols), y, rowStart, rowEnd);
        } else {
            for (int b0 = 0; b0 < batch; b0 += 4 * L) {
                matMulBlock(batch, b0, Math.min(4 * L, batch - b0), values, colIdx, rowPtr, x, y, rowStart, rowEnd);
            }
        }
    }

    private static void matVec(MemorySegment values, IndexArray colIdx, IndexArray rowPtr, float[] x,
                               MemorySegment y, int rowStart, int rowEnd) {
        int[] idx = Scratch.indices(L);
        int p = rowPtr.get(rowStart);
        for (int r = rowStart; r < rowEnd; r++) {
            int end = rowPtr.get(r + 1);
            FloatVector acc = FloatVector.zero(F);
            for (; p <= end - L; p += L) {
                VectorSupport.loadIndices(colIdx, p, idx);
                FloatVector xv = FloatVector.fromArray(F, x, 0, idx, 0);
                acc = FloatVector.fromMemorySegment(F, values, 4L * p, LE).fma(xv, acc);
            }
            float sum = VectorSupport.sumLanes(acc);
            for (; p < end; p++) {
                sum += values.getAtIndex(Layouts.F32, p) * x[colIdx.get(p)];
            }
            y.setAtIndex(Layouts.F32, r, sum);
        }
    }

    private static void matMulBlock(int batch, int b0, int width, MemorySegment values, IndexArray colIdx,
                                    IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        int vectors = width / L;
        VectorMask<Float> tailMask = BatchStore.tailMask(width);
        int p = rowPtr.get(rowStart);
        for (int r = rowStart; r < rowEnd; r++) {
            int end = rowPtr.get(r + 1);
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector at = FloatVector.zero(F);
            for (; p < end; p++) {
                float v = values.getAtIndex(Layouts.F32, p);
                long xo = 4L * ((long) colIdx.get(p) * batch + b0);
                FloatVector vb = FloatVector.broadcast(F, v);
                if (vectors > 0) {
                    a0 = FloatVector.fromMemorySegment(F, x, xo, LE).fma(vb, a0);
                    if (vectors > 1) {
                        a1 = FloatVector.fromMemorySegment(F, x, xo + 4L * L, LE).fma(vb, a1);
                        if (vectors > 2) {
                            a2 = FloatVector.fromMemorySegment(F, x, xo + 8L * L, LE).fma(vb, a2);
                            if (vectors > 3) {
                                a3 = FloatVector.fromMemorySegment(F, x, xo + 12L * L, LE).fma(vb, a3);
                            }
                        }
                    }
                }
                if (tailMask != null) {
                    at = FloatVector.fromMemorySegment(F, x, xo + 4L * vectors * L, LE, tailMask).fma(vb, at);
                }
            }
            BatchStore.store(y, 4L * ((long) r * batch + b0), vectors, a0, a1, a2, a3, at, tailMask, 0f, null, 1f);
        }
    }
}
