package dev.tersor.kernels.cser;

import dev.tersor.kernels.BatchStore;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.VectorSupport;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;
import static dev.tersor.kernels.VectorSupport.LE;
import static dev.tersor.kernels.VectorSupport.sum;

/**
 * Vector API kernel for the grouped-row formats (CSER, and CER through {@code groupValue == null}).
 *
 * <p>Batch one: each group's inputs are gathered {@code L} at a time, the last chunk under a mask, and
 * only added; the group's sum vector then meets its value in a single FMA, so no lane reduction
 * happens until the end of the row.
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
        RowIndices row = RowIndices.forThread();
        for (int r = rowStart; r < rowEnd; r++) {
            int groups = row.load(r, colIdx, groupValue, groupPtr, rowPtr);
            int[] ptr = row.groupPtr;
            int[] columns = row.columns;
            FloatVector acc = FloatVector.zero(F);
            for (int g = 0; g < groups; g++) {
                int end = ptr[g + 1];
                // One loop of chunks, the last one masked: groups are short and uneven, and a scalar
                // tail per group would cost more than the whole vector part.
                FloatVector s = FloatVector.zero(F);
                for (int p = ptr[g]; p < end; p += L) {
                    s = s.add(FloatVector.fromArray(F, x, 0, columns, p), F.indexInRange(p, end));
                }
                int k = groupValue == null ? g + 1 : row.groupValue[g];
                acc = s.fma(FloatVector.broadcast(F, omega.getAtIndex(Layouts.F32, k) - omega0), acc);
            }
            float result = VectorSupport.sumLanes(acc) + implicit;
            y.setAtIndex(Layouts.F32, r, scaled ? result * rowScale.getAtIndex(Layouts.F32, r) : result);
        }
    }

    /**
     * One row's index arrays widened to {@code int[]}: its group pointers rebased to the row's first
     * entry, its group values and its columns. Reading them through {@link IndexArray#get} one at a
     * time costs a width switch and a memory-segment access per group, which dominated the product;
     * a row is widened with vector loads instead. The columns are followed by {@code L} zeros, so
     * a masked chunk at the row's end gathers from column 0 rather than out of range.
     */
    private static final class RowIndices {

        private static final ThreadLocal<RowIndices> PER_THREAD = ThreadLocal.withInitial(RowIndices::new);

        int[] groupPtr = new int[0];
        int[] groupValue = new int[0];
        int[] columns = new int[0];

        static RowIndices forThread() {
            return PER_THREAD.get();
        }

        /** Widens row {@code r}'s indices and returns its number of groups. */
        int load(int r, IndexArray colIdx, IndexArray groupValues, IndexArray groupPtrs, IndexArray rowPtr) {
            int g0 = rowPtr.get(r);
            int groups = rowPtr.get(r + 1) - g0;
            groupPtr = atLeast(groupPtr, groups + 1 + L);
            VectorSupport.widen(groupPtrs, g0, groups + 1, groupPtr);
            int first = groupPtr[0];
            for (int g = 0; g <= groups; g++) {
                groupPtr[g] -= first;
            }
            if (groupValues != null) {
                groupValue = atLeast(groupValue, groups + L);
                VectorSupport.widen(groupValues, g0, groups, groupValue);
            }
            int entries = groupPtr[groups];
            columns = atLeast(columns, entries + L);
            VectorSupport.widen(colIdx, first, entries, columns);
            java.util.Arrays.fill(columns, entries, entries + L, 0);
            return groups;
        }

        private static int[] atLeast(int[] buffer, int n) {
            return buffer.length >= n ? buffer : new int[Math.max(n, 2 * buffer.length)];
        }
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
