package dev.tersor.kernels.q8;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.VectorSupport;
import dev.tersor.kernels.arrays.Q8Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.I;
import static dev.tersor.kernels.VectorSupport.L;

/**
 * Vector API kernel for 8-bit integer rows, rows in the lanes as the panels lay them out
 * ({@link Q8Arrays}): one load of a panel's group holds four codes of each of {@link #L} rows, one per
 * byte of an int lane; shifting each byte to the top and back sign-extends one column of codes, which
 * meets one broadcast activation per token. Each lane sums its own row in column order, so no lane
 * sum is reduced, and the integer sums are those of the scalar reference (hence the same bits); with
 * float activations the products and additions are the reference's too, in its order.
 */
public final class Q8VectorKernel {

    /** Tokens sharing each group of codes loaded. */
    private static final int BLOCK = 4;

    private Q8VectorKernel() {
    }

    public static void matMul(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        if (L > Q8Arrays.PANEL_ROWS || !w.int8Activations() && batch != 1) {
            // float activations with a batch: the scalar reference's column loop already runs per row
            Q8ScalarKernel.matMul(w, batch, x, y, rowStart, rowEnd);
            return;
        }
        if (!w.int8Activations()) {
            float[] input = new float[w.stride()];
            MemorySegment.copy(x, Layouts.F32, 0, input, 0, w.cols());
            forEachPart(rowStart, rowEnd, r0 -> floatPart(w, input, y, r0, rowStart, rowEnd));
        } else {
            int[][] columns = new int[Math.min(BLOCK, batch)][w.stride()];
            float[] scales = new float[BLOCK];
            byte[] q = new byte[w.cols()];
            for (int b0 = 0; b0 < batch; b0 += BLOCK) {
                int width = Math.min(BLOCK, batch - b0);
                for (int t = 0; t < width; t++) {
                    scales[t] = TokenQuantizer.quantize(x, w.cols(), batch, b0 + t, q);
                    for (int j = 0; j < q.length; j++) {
                        columns[t][j] = q[j];
                    }
                }
                int first = b0;
                forEachPart(rowStart, rowEnd,
                        r0 -> int8Part(w, batch, first, width, columns, scales, y, r0, rowStart, rowEnd));
            }
        }
        Q8Patches.apply(w, batch, x, y, rowStart, rowEnd);
    }

    /** A run of {@link #L} rows from {@code r0}: one vector of each group of their panel. */
    private interface Part {
        void run(int r0);
    }

    /** Calls {@code part} for each run of {@link #L} rows (from a multiple of L) holding rows of the range. */
    private static void forEachPart(int rowStart, int rowEnd, Part part) {
        for (int r0 = rowStart - rowStart % L; r0 < rowEnd; r0 += L) {
            part.run(r0);
        }
    }

    /** Column {@code u} of a group's codes: byte u of each int lane, sign-extended. */
    private static IntVector column(IntVector group, int u) {
        return group.lanewise(VectorOperators.LSHL, 24 - 8 * u).lanewise(VectorOperators.ASHR, 24);
    }

    private static void int8Part(Q8Arrays w, int batch, int b0, int width, int[][] columns, float[] scales,
                                 MemorySegment y, int r0, int rowStart, int rowEnd) {
        int[] c0 = columns[0];
        int[] c1 = columns[Math.min(1, width - 1)];
        int[] c2 = columns[Math.min(2, width - 1)];
        int[] c3 = columns[Math.min(3, width - 1)];
        IntVector a0 = IntVector.zero(I);
        IntVector a1 = IntVector.zero(I);
        IntVector a2 = IntVector.zero(I);
        IntVector a3 = IntVector.zero(I);
        long base = Q8Arrays.codeOffset(w.stride(), r0, 0); // row r0, column 0: the run's first group
        for (int k = 0; k < w.stride(); k += Q8Arrays.GROUP_COLUMNS, base += Q8Arrays.GROUP_BYTES) {
            IntVector group = IntVector.fromMemorySegment(I, w.codes(), base, VectorSupport.LE);
            for (int u = 0; u < Q8Arrays.GROUP_COLUMNS; u++) {
                IntVector codes = column(group, u);
                a0 = a0.add(codes.mul(c0[k + u]));
                if (width > 1) {
                    a1 = a1.add(codes.mul(c1[k + u]));
                    if (width > 2) {
                        a2 = a2.add(codes.mul(c2[k + u]));
                        if (width > 3) {
                            a3 = a3.add(codes.mul(c3[k + u]));
                        }
                    }
                }
            }
        }
        IntVector[] sums = {a0, a1, a2, a3};
        int[] lanes = new int[L];
        for (int t = 0; t < width; t++) {
            sums[t].intoArray(lanes, 0);
            for (int i = 0; i < L; i++) {
                int r = r0 + i;
                if (r >= rowStart && r < rowEnd) {
                    float rowScale = w.rowScale().getAtIndex(Layouts.F32, r);
                    y.setAtIndex(Layouts.F32, (long) r * batch + b0 + t, (float) lanes[i] * rowScale * scales[t]);
                }
            }
        }
    }

    /** Float activations, batch one: each lane's row summed in column order, product then sum. */
    private static void floatPart(Q8Arrays w, float[] input, MemorySegment y, int r0, int rowStart, int rowEnd) {
        FloatVector acc = FloatVector.zero(F);
        long base = Q8Arrays.codeOffset(w.stride(), r0, 0); // row r0, column 0: the run's first group
        for (int k = 0; k < w.stride(); k += Q8Arrays.GROUP_COLUMNS, base += Q8Arrays.GROUP_BYTES) {
            IntVector group = IntVector.fromMemorySegment(I, w.codes(), base, VectorSupport.LE);
            for (int u = 0; u < Q8Arrays.GROUP_COLUMNS; u++) {
                FloatVector codes = (FloatVector) column(group, u).convertShape(VectorOperators.I2F, F, 0);
                acc = acc.add(codes.mul(input[k + u]));
            }
        }
        float[] lanes = acc.toArray();
        for (int i = 0; i < L; i++) {
            int r = r0 + i;
            if (r >= rowStart && r < rowEnd) {
                y.setAtIndex(Layouts.F32, r, lanes[i] * w.rowScale().getAtIndex(Layouts.F32, r));
            }
        }
    }
}
