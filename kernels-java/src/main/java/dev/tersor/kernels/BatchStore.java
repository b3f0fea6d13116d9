package dev.tersor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;
import static dev.tersor.kernels.VectorSupport.LE;

/**
 * Writes one row's block of batch results for the batched Vector API kernels, which all hold a block
 * of at most {@code 4·L} batch columns as up to four register accumulators plus one masked tail
 * vector (so a batch narrower than a vector still runs in vector registers). Each
 * result is {@code (acc + omega0·colSums[b]) · scale}; callers pass {@code omega0 = 0} and
 * {@code scale = 1} when a term does not apply.
 */
public final class BatchStore {

    private BatchStore() {
    }

    /**
     * @param y          output segment
     * @param offset     byte offset of the block's first result
     * @param vectors    whole vectors held in {@code a0..a3} (0 to 4)
     * @param tail       accumulator of the lanes after the whole vectors
     * @param tailMask   lanes of {@code tail} in use, or {@code null} when the block is whole vectors
     * @param omega0     implicit value of the format, or 0
     * @param colSums    column sums of X for this block's batch columns, read only when {@code omega0 != 0}
     * @param scale      row scale, or 1
     */
    public static void store(MemorySegment y, long offset, int vectors, FloatVector a0, FloatVector a1,
                             FloatVector a2, FloatVector a3, FloatVector tail, VectorMask<Float> tailMask,
                             float omega0, float[] colSums, float scale) {
        assert vectors >= 0 && vectors <= 4;
        if (vectors > 0) {
            finish(a0, 0, omega0, colSums, scale).intoMemorySegment(y, offset, LE);
            if (vectors > 1) {
                finish(a1, L, omega0, colSums, scale).intoMemorySegment(y, offset + 4L * L, LE);
                if (vectors > 2) {
                    finish(a2, 2 * L, omega0, colSums, scale).intoMemorySegment(y, offset + 8L * L, LE);
                    if (vectors > 3) {
                        finish(a3, 3 * L, omega0, colSums, scale).intoMemorySegment(y, offset + 12L * L, LE);
                    }
                }
            }
        }
        if (tailMask != null) {
            int first = vectors * L;
            FloatVector value = tail;
            if (omega0 != 0f) {
                value = FloatVector.fromArray(F, colSums, first, tailMask).fma(FloatVector.broadcast(F, omega0), value);
            }
            (scale == 1f ? value : value.mul(scale)).intoMemorySegment(y, offset + 4L * first, LE, tailMask);
        }
    }

    /** The lanes of a block's partial last vector, or {@code null} when the block is whole vectors. */
    public static VectorMask<Float> tailMask(int width) {
        int tail = width % L;
        return tail == 0 ? null : F.indexInRange(0, tail);
    }

    private static FloatVector finish(FloatVector acc, int lane, float omega0, float[] colSums, float scale) {
        if (omega0 != 0f) {
            acc = FloatVector.fromArray(F, colSums, lane).fma(FloatVector.broadcast(F, omega0), acc);
        }
        return scale == 1f ? acc : acc.mul(scale);
    }
}
