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
 * Vector API kernel for 8-bit integer rows. The Vector API has no widening byte dot product, so codes
 * widen to int lanes in registers and meet the activations in int multiplies and adds: the same exact
 * integer sums as the scalar reference, hence the same bits, at roughly float speed. Each row's codes
 * are widened once per block of up to four batch columns. Rows are padded to
 * {@link Q8Arrays#ROW_ALIGNMENT} bytes, a multiple of every lane count, so no loop has a tail.
 */
public final class Q8VectorKernel {

    private static final int BLOCK = 4;

    private Q8VectorKernel() {
    }

    public static void matMul(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        if (!VectorSupport.widensBytes() || !w.int8Activations() && batch != 1) {
            // float activations with a batch: the reference's column-order sums are what the bound assumes
            Q8ScalarKernel.matMul(w, batch, x, y, rowStart, rowEnd);
            return;
        }
        if (!w.int8Activations()) {
            floatVector(w, x, y, rowStart, rowEnd);
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
                int8Block(w, batch, b0, width, columns, scales, y, rowStart, rowEnd);
            }
        }
        Q8Patches.apply(w, batch, x, y, rowStart, rowEnd);
    }

    private static void int8Block(Q8Arrays w, int batch, int b0, int width, int[][] columns, float[] scales,
                                  MemorySegment y, int rowStart, int rowEnd) {
        int stride = w.stride();
        int[] c0 = columns[0];
        int[] c1 = columns[Math.min(1, width - 1)];
        int[] c2 = columns[Math.min(2, width - 1)];
        int[] c3 = columns[Math.min(3, width - 1)];
        for (int r = rowStart; r < rowEnd; r++) {
            long base = (long) r * stride;
            IntVector a0 = IntVector.zero(I);
            IntVector a1 = IntVector.zero(I);
            IntVector a2 = IntVector.zero(I);
            IntVector a3 = IntVector.zero(I);
            for (int j = 0; j < stride; j += L) {
                IntVector codes = VectorSupport.bytesAsInts(w.codes(), base + j);
                a0 = a0.add(codes.mul(IntVector.fromArray(I, c0, j)));
                if (width > 1) {
                    a1 = a1.add(codes.mul(IntVector.fromArray(I, c1, j)));
                    if (width > 2) {
                        a2 = a2.add(codes.mul(IntVector.fromArray(I, c2, j)));
                        if (width > 3) {
                            a3 = a3.add(codes.mul(IntVector.fromArray(I, c3, j)));
                        }
                    }
                }
            }
            float rowScale = w.rowScale().getAtIndex(Layouts.F32, r);
            long out = (long) r * batch + b0;
            // integer lane sums are exact in any order
            y.setAtIndex(Layouts.F32, out, (float) a0.reduceLanes(VectorOperators.ADD) * rowScale * scales[0]);
            if (width > 1) {
                y.setAtIndex(Layouts.F32, out + 1, (float) a1.reduceLanes(VectorOperators.ADD) * rowScale * scales[1]);
                if (width > 2) {
                    y.setAtIndex(Layouts.F32, out + 2, (float) a2.reduceLanes(VectorOperators.ADD) * rowScale * scales[2]);
                    if (width > 3) {
                        y.setAtIndex(Layouts.F32, out + 3, (float) a3.reduceLanes(VectorOperators.ADD) * rowScale * scales[3]);
                    }
                }
            }
        }
    }

    /** Float activations, batch one: codes widen to floats and meet x in FMAs. */
    private static void floatVector(Q8Arrays w, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        int cols = w.cols();
        int stride = w.stride();
        float[] input = new float[stride];
        MemorySegment.copy(x, Layouts.F32, 0, input, 0, cols);
        for (int r = rowStart; r < rowEnd; r++) {
            long base = (long) r * stride;
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < stride; j += L) {
                FloatVector codes = (FloatVector) VectorSupport.bytesAsInts(w.codes(), base + j)
                        .convertShape(VectorOperators.I2F, F, 0);
                acc = codes.fma(FloatVector.fromArray(F, input, j), acc);
            }
            y.setAtIndex(Layouts.F32, r, VectorSupport.sumLanes(acc) * w.rowScale().getAtIndex(Layouts.F32, r));
        }
    }
}
