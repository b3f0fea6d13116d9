package dev.tersor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;
import static dev.tersor.kernels.VectorSupport.LE;

/**
 * Vector API products of one row that a kernel has already decoded to the heap, shared by the
 * formats whose rows must be decoded serially (Huffman streams, XOR slices, packed bits): either a
 * dense row {@code w[0 .. cols)} or a sparse one, {@code values[i]} at {@code columns[i]}. Decoding
 * once and reusing the row for every batch block is what makes batched products pay for the decode
 * only once.
 */
public final class DecodedRows {

    private DecodedRows() {
    }

    /** {@code Σ_j w[j]·x[j]}, four FMA chains. */
    public static float denseDot(float[] w, float[] x, int n) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int j = 0;
        for (int upper = n - n % (4 * L); j < upper; j += 4 * L) {
            a0 = FloatVector.fromArray(F, w, j).fma(FloatVector.fromArray(F, x, j), a0);
            a1 = FloatVector.fromArray(F, w, j + L).fma(FloatVector.fromArray(F, x, j + L), a1);
            a2 = FloatVector.fromArray(F, w, j + 2 * L).fma(FloatVector.fromArray(F, x, j + 2 * L), a2);
            a3 = FloatVector.fromArray(F, w, j + 3 * L).fma(FloatVector.fromArray(F, x, j + 3 * L), a3);
        }
        for (int upper = n - n % L; j < upper; j += L) {
            a0 = FloatVector.fromArray(F, w, j).fma(FloatVector.fromArray(F, x, j), a0);
        }
        float acc = VectorSupport.sumLanes(a0.add(a1).add(a2.add(a3)));
        for (; j < n; j++) {
            acc += w[j] * x[j];
        }
        return acc;
    }

    /** {@code Σ_i values[i]·x[columns[i]]}, gathering {@code L} inputs per FMA. */
    public static float sparseDot(float[] values, int[] columns, int m, float[] x) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int i = 0;
        for (int upper = m - m % (2 * L); i < upper; i += 2 * L) {
            a0 = FloatVector.fromArray(F, x, 0, columns, i).fma(FloatVector.fromArray(F, values, i), a0);
            a1 = FloatVector.fromArray(F, x, 0, columns, i + L).fma(FloatVector.fromArray(F, values, i + L), a1);
        }
        for (int upper = m - m % L; i < upper; i += L) {
            a0 = FloatVector.fromArray(F, x, 0, columns, i).fma(FloatVector.fromArray(F, values, i), a0);
        }
        float acc = VectorSupport.sumLanes(a0.add(a1));
        for (; i < m; i++) {
            acc += values[i] * x[columns[i]];
        }
        return acc;
    }

    /**
     * Row {@code r}'s results for batch columns {@code b0 .. b0 + width} ({@code width ≤ 4·L}) from a
     * sparse row; {@code columns == null} means the dense row {@code values[0 .. m)}, whose zeros
     * are skipped. Each result is {@code (acc + omega0·colSums[b])·scale} as {@link BatchStore} writes
     * it; a block narrower than whole vectors ends in one masked vector.
     */
    public static void block(float[] values, int[] columns, int m, int batch, int b0, int width, MemorySegment x,
                             MemorySegment y, int r, float omega0, float[] colSums, float scale) {
        int vectors = width / L;
        VectorMask<Float> tailMask = BatchStore.tailMask(width);
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector at = FloatVector.zero(F);
        for (int i = 0; i < m; i++) {
            float v = values[i];
            if (columns == null && v == 0f) {
                continue;
            }
            long xo = 4L * ((long) (columns == null ? i : columns[i]) * batch + b0);
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
        BatchStore.store(y, 4L * ((long) r * batch + b0), vectors, a0, a1, a2, a3, at, tailMask, omega0, colSums, scale);
    }

    /**
     * Writes rows of {@code y} from sparse rows decoded against an implicit value {@code ω0}
     * (sHAM, XOR): {@code y_r = s_r·(Σ_i values[i]·x_{columns[i]} + ω0·Σx)}, the values already
     * {@code − ω0}. Holds what every row of one call shares: the input on the heap for batch one, and
     * the {@code ω0·Σx} terms, computed once per call.
     */
    public static final class SparseRowWriter extends ImplicitRowWriter {
        private final float[] xs;
        private final float implicitSum;
        private final float[][] blockSums;

        public SparseRowWriter(int cols, int batch, MemorySegment x, MemorySegment y, float implicit,
                               MemorySegment rowScale) {
            super(batch, x, y, implicit, rowScale);
            this.xs = batch == 1 ? Scratch.input(x, cols) : null;
            this.implicitSum = batch == 1 && implicit != 0f ? implicit * VectorSupport.sum(xs, cols) : 0f;
            this.blockSums = batch > 1 && implicit != 0f ? blockSums(cols, batch, x) : null;
        }

        /** Row {@code r} from its {@code m} entries, {@code values[i]} at {@code columns[i]}. */
        public void write(int r, float[] values, int[] columns, int m) {
            float scale = scale(r);
            if (batch == 1) {
                float result = sparseDot(values, columns, m, xs) + implicitSum;
                y.setAtIndex(Layouts.F32, r, scaled ? result * scale : result);
            } else {
                for (int b0 = 0; b0 < batch; b0 += 4 * L) {
                    block(values, columns, m, batch, b0, Math.min(4 * L, batch - b0), x, y, r, implicit,
                            blockSums == null ? null : blockSums[b0 / (4 * L)], scale);
                }
            }
        }
    }

    /**
     * {@code Σ_j X[j][b]}, one array per block of {@code 4·L} batch columns, as
     * {@link #block} reads them.
     */
    public static float[][] blockSums(int cols, int batch, MemorySegment x) {
        int blocks = (batch + 4 * L - 1) / (4 * L);
        float[][] sums = new float[blocks][4 * L];
        for (int j = 0; j < cols; j++) {
            long row = (long) j * batch;
            for (int b = 0; b < batch; b++) {
                sums[b / (4 * L)][b % (4 * L)] += x.getAtIndex(Layouts.F32, row + b);
            }
        }
        return sums;
    }
}
