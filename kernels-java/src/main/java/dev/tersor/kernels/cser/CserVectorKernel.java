package dev.tersor.kernels.cser;

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
 * Vector API kernel for the grouped-row formats (CSER, and CER through {@code groupValue == null}).
 *
 * <p>Batch one: each group's inputs are gathered {@code L} at a time and only added; the group's sum
 * vector then meets its value in a single FMA, so no lane reduction happens until the end of the row.
 * Larger batches sum whole batch vectors per group and multiply once per group and batch vector.
 */
public final class CserVectorKernel {

    private CserVectorKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                              IndexArray groupValue, IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        if (batch == 1) {
            matVec(cols, omega, colIdx, groupValue, groupPtr, rowPtr, rowScale, Scratch.input(x, cols), y,
                    rowStart, rowEnd);
        } else {
            for (int b0 = 0; b0 < batch; b0 += 4 * L) {
                matMulBlock(cols, batch, b0, Math.min(4 * L, batch - b0), omega, colIdx, groupValue, groupPtr,
                        rowPtr, rowScale, x, y, rowStart, rowEnd);
            }
        }
    }

    private static void matVec(int cols, MemorySegment omega, IndexArray colIdx, IndexArray groupValue,
                               IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale, float[] x,
                               MemorySegment y, int rowStart, int rowEnd) {
        float omega0 = omega.getAtIndex(Layouts.F32, 0);
        float implicit = omega0 == 0f ? 0f : omega0 * sum(x, cols);
        boolean scaled = rowScale.byteSize() != 0;
        int[] idx = Scratch.indices(L);
        for (int r = rowStart; r < rowEnd; r++) {
            int g0 = rowPtr.get(r);
            int g1 = rowPtr.get(r + 1);
            FloatVector acc = FloatVector.zero(F);
            float tailAcc = 0f;
            int p = groupPtr.get(g0);
            for (int g = g0; g < g1; g++) {
                int end = groupPtr.get(g + 1);
                if (p == end) {
                    continue; // CER padding group
                }
                int k = groupValue == null ? g - g0 + 1 : groupValue.get(g);
                float v = omega.getAtIndex(Layouts.F32, k) - omega0;
                if (end - p >= L) {
                    FloatVector s = FloatVector.zero(F);
                    for (; p <= end - L; p += L) {
                        VectorSupport.loadIndices(colIdx, p, idx);
                        s = s.add(FloatVector.fromArray(F, x, 0, idx, 0));
                    }
                    acc = s.fma(FloatVector.broadcast(F, v), acc);
                }
                float s = 0f;
                for (; p < end; p++) {
                    s += x[colIdx.get(p)];
                }
                tailAcc += v * s;
            }
            float result = VectorSupport.sumLanes(acc) + tailAcc + implicit;
            y.setAtIndex(Layouts.F32, r, scaled ? result * rowScale.getAtIndex(Layouts.F32, r) : result);
        }
    }

    private static float sum(float[] x, int n) {
        FloatVector acc = FloatVector.zero(F);
        int j = 0;
        for (; j <= n - L; j += L) {
            acc = acc.add(FloatVector.fromArray(F, x, j));
        }
        float s = VectorSupport.sumLanes(acc);
        for (; j < n; j++) {
            s += x[j];
        }
        return s;
    }

    private static void matMulBlock(int cols, int batch, int b0, int width, MemorySegment omega, IndexArray colIdx,
                                    IndexArray groupValue, IndexArray groupPtr, IndexArray rowPtr,
                                    MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        int vectors = width / L;
        VectorMask<Float> tailMask = BatchStore.tailMask(width);
        float omega0 = omega.getAtIndex(Layouts.F32, 0);
        float[] colSums = omega0 == 0f ? null : columnSums(cols, batch, b0, width, x);
        boolean scaled = rowScale.byteSize() != 0;
        for (int r = rowStart; r < rowEnd; r++) {
            int g0 = rowPtr.get(r);
            int g1 = rowPtr.get(r + 1);
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            FloatVector at = FloatVector.zero(F);
            int p = groupPtr.get(g0);
            for (int g = g0; g < g1; g++) {
                int end = groupPtr.get(g + 1);
                if (p == end) {
                    continue;
                }
                FloatVector s0 = FloatVector.zero(F);
                FloatVector s1 = FloatVector.zero(F);
                FloatVector s2 = FloatVector.zero(F);
                FloatVector s3 = FloatVector.zero(F);
                FloatVector st = FloatVector.zero(F);
                for (; p < end; p++) {
                    long xo = 4L * ((long) colIdx.get(p) * batch + b0);
                    if (vectors > 0) {
                        s0 = s0.add(FloatVector.fromMemorySegment(F, x, xo, LE));
                        if (vectors > 1) {
                            s1 = s1.add(FloatVector.fromMemorySegment(F, x, xo + 4L * L, LE));
                            if (vectors > 2) {
                                s2 = s2.add(FloatVector.fromMemorySegment(F, x, xo + 8L * L, LE));
                                if (vectors > 3) {
                                    s3 = s3.add(FloatVector.fromMemorySegment(F, x, xo + 12L * L, LE));
                                }
                            }
                        }
                    }
                    if (tailMask != null) {
                        st = st.add(FloatVector.fromMemorySegment(F, x, xo + 4L * vectors * L, LE, tailMask));
                    }
                }
                int k = groupValue == null ? g - g0 + 1 : groupValue.get(g);
                float v = omega.getAtIndex(Layouts.F32, k) - omega0;
                FloatVector vb = FloatVector.broadcast(F, v);
                a0 = s0.fma(vb, a0);
                a1 = s1.fma(vb, a1);
                a2 = s2.fma(vb, a2);
                a3 = s3.fma(vb, a3);
                at = st.fma(vb, at);
            }
            float scale = scaled ? rowScale.getAtIndex(Layouts.F32, r) : 1f;
            BatchStore.store(y, 4L * ((long) r * batch + b0), vectors, a0, a1, a2, a3, at, tailMask,
                    omega0, colSums, scale);
        }
    }

    /** {@code Σ_j X[j][b]} for the block's batch columns {@code b0 .. b0 + width}. */
    private static float[] columnSums(int cols, int batch, int b0, int width, MemorySegment x) {
        float[] sums = Scratch.sums(width + L);
        java.util.Arrays.fill(sums, 0, width, 0f);
        for (int j = 0; j < cols; j++) {
            long row = (long) j * batch + b0;
            for (int b = 0; b < width; b++) {
                sums[b] += x.getAtIndex(Layouts.F32, row + b);
            }
        }
        return sums;
    }
}
