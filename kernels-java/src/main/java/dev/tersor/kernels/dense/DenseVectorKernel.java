package dev.tersor.kernels.dense;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;
import static dev.tersor.kernels.VectorSupport.LE;

/**
 * Vector API kernel for dense row-major float32. Batch one streams each row against x with four
 * independent FMA chains; larger batches keep a 4-row by 2-vector block of results in registers.
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
            matMulBlocked(cols, batch, w, x, y, rowStart, rowEnd);
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
            float acc = sumInOrder(a0.add(a1).add(a2.add(a3)));
            for (; j < cols; j++) {
                acc += w.get(Layouts.F32, row + 4L * j) * x[j];
            }
            y.setAtIndex(Layouts.F32, r, acc);
        }
    }

    /**
     * The lanes of {@code v} added first to last. {@code reduceLanes(ADD)} may add in another order when
     * compiled than when interpreted, and a product must give the same bits on every call.
     */
    private static float sumInOrder(FloatVector v) {
        float s = 0;
        for (float lane : v.toArray()) {
            s += lane;
        }
        return s;
    }

    /**
     * {@code Y = W·X} for batch ≥ 2, register-blocked: four rows of W by up to two vectors of batch
     * columns stay in registers, so each loaded X vector feeds four FMAs. Rows go outermost, so a block
     * of W rows stays in L1 while X streams from L2. A batch that is not a multiple of the block ends in
     * a narrower block. Its loads run straight from X while a whole vector fits inside X (the extra
     * lanes read the next X row and are never stored); the last few X rows are copied, zero-padded, to a
     * scratch array first. Partial results go through a scratch array too, so no masked memory access
     * is needed anywhere.
     */
    private static void matMulBlocked(int cols, int batch, MemorySegment w, MemorySegment x, MemorySegment y,
                                      int rowStart, int rowEnd) {
        int fullEnd = batch - batch % (2 * L);
        int tail = batch - fullEnd;
        int quadEnd = rowStart + (rowEnd - rowStart) / 4 * 4;
        for (int r = rowStart; r < quadEnd; r += 4) {
            for (int b0 = 0; b0 < fullEnd; b0 += 2 * L) {
                rows4x2(cols, cols, batch, b0, w, x, y, r, null, 2 * L);
            }
        }
        if (tail > 0 && quadEnd > rowStart) {
            int width = tail > L ? 2 * L : L;
            int safe = safeRows(x.byteSize(), batch, fullEnd, width, cols);
            float[] padded = padTail(x, cols, batch, fullEnd, tail, width, safe);
            for (int r = rowStart; r < quadEnd; r += 4) {
                if (width == 2 * L) {
                    rows4x2(cols, safe, batch, fullEnd, w, x, y, r, padded, tail);
                } else {
                    rows4x1(cols, safe, batch, fullEnd, w, x, y, r, padded, tail);
                }
            }
        }
        if (quadEnd < rowEnd) {
            float[] out = Scratch.accumulator(2 * L);
            for (int b0 = 0; b0 < batch; b0 += L) {
                int count = Math.min(L, batch - b0);
                int safe = safeRows(x.byteSize(), batch, b0, L, cols);
                float[] padded = padTail(x, cols, batch, b0, count, L, safe);
                for (int r = quadEnd; r < rowEnd; r++) {
                    rows1(cols, safe, batch, b0, w, x, y, r, padded, count, out);
                }
            }
        }
    }

    /** How many leading X rows {@code j} allow a direct read of {@code width} floats at batch column {@code b0}. */
    private static int safeRows(long xBytes, int batch, int b0, int width, int cols) {
        long floats = xBytes / 4;
        if (floats < b0 + width) {
            return 0;
        }
        return Math.clamp((floats - b0 - width) / batch + 1, 0, cols);
    }

    /** X rows {@code [safe, cols)}, columns {@code [b0, b0 + count)}, zero-padded to {@code width} per row. */
    private static float[] padTail(MemorySegment x, int cols, int batch, int b0, int count, int width, int safe) {
        float[] padded = new float[(cols - safe) * width];
        for (int j = safe; j < cols; j++) {
            MemorySegment.copy(x, Layouts.F32, 4L * ((long) j * batch + b0), padded, (j - safe) * width, count);
        }
        return padded;
    }

    /** Stores the first {@code count} lanes of {@code v} at byte {@code offset} of {@code y}. */
    private static void store(FloatVector v, MemorySegment y, long offset, int count, float[] out) {
        if (count == L) {
            v.intoMemorySegment(y, offset, LE);
        } else if (count > 0) {
            v.intoArray(out, 0);
            MemorySegment.copy(out, 0, y, Layouts.F32, offset, count);
        }
    }

    /**
     * Rows {@code r..r+3}, batch columns {@code [b0, b0 + min(2L, count))}; X rows from {@code safe} on
     * come from {@code padded} (2L floats per row).
     */
    private static void rows4x2(int cols, int safe, int batch, int b0, MemorySegment w, MemorySegment x,
                                MemorySegment y, int r, float[] padded, int count) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        long w0 = (long) r * cols * 4;
        long w1 = w0 + 4L * cols;
        long w2 = w1 + 4L * cols;
        long w3 = w2 + 4L * cols;
        long xo = 4L * b0;
        long xStride = 4L * batch;
        for (int j = 0; j < cols; j++, xo += xStride) {
            FloatVector x0;
            FloatVector x1;
            if (j < safe) {
                x0 = FloatVector.fromMemorySegment(F, x, xo, LE);
                x1 = FloatVector.fromMemorySegment(F, x, xo + 4L * L, LE);
            } else {
                int p = (j - safe) * 2 * L;
                x0 = FloatVector.fromArray(F, padded, p);
                x1 = FloatVector.fromArray(F, padded, p + L);
            }
            long wj = 4L * j;
            FloatVector v = FloatVector.broadcast(F, w.get(Layouts.F32, w0 + wj));
            a00 = x0.fma(v, a00);
            a01 = x1.fma(v, a01);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, w1 + wj));
            a10 = x0.fma(v, a10);
            a11 = x1.fma(v, a11);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, w2 + wj));
            a20 = x0.fma(v, a20);
            a21 = x1.fma(v, a21);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, w3 + wj));
            a30 = x0.fma(v, a30);
            a31 = x1.fma(v, a31);
        }
        long yo = 4L * ((long) r * batch + b0);
        long yStride = 4L * batch;
        int c0 = Math.min(L, count);
        int c1 = Math.clamp(count - L, 0, L);
        float[] out = Scratch.accumulator(2 * L);
        store(a00, y, yo, c0, out);
        store(a10, y, yo + yStride, c0, out);
        store(a20, y, yo + 2 * yStride, c0, out);
        store(a30, y, yo + 3 * yStride, c0, out);
        store(a01, y, yo + 4L * L, c1, out);
        store(a11, y, yo + yStride + 4L * L, c1, out);
        store(a21, y, yo + 2 * yStride + 4L * L, c1, out);
        store(a31, y, yo + 3 * yStride + 4L * L, c1, out);
    }

    /** Rows {@code r..r+3}, one vector of batch columns at {@code b0}, {@code count ≤ L} of them stored. */
    private static void rows4x1(int cols, int safe, int batch, int b0, MemorySegment w, MemorySegment x,
                                MemorySegment y, int r, float[] padded, int count) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        long w0 = (long) r * cols * 4;
        long w1 = w0 + 4L * cols;
        long w2 = w1 + 4L * cols;
        long w3 = w2 + 4L * cols;
        long xo = 4L * b0;
        long xStride = 4L * batch;
        int j = 0;
        for (; j < safe; j++, xo += xStride) {
            FloatVector x0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            long wj = 4L * j;
            a0 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w0 + wj)), a0);
            a1 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w1 + wj)), a1);
            a2 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w2 + wj)), a2);
            a3 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w3 + wj)), a3);
        }
        for (; j < cols; j++) {
            FloatVector x0 = FloatVector.fromArray(F, padded, (j - safe) * L);
            long wj = 4L * j;
            a0 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w0 + wj)), a0);
            a1 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w1 + wj)), a1);
            a2 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w2 + wj)), a2);
            a3 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w3 + wj)), a3);
        }
        long yo = 4L * ((long) r * batch + b0);
        long yStride = 4L * batch;
        float[] out = Scratch.accumulator(2 * L);
        store(a0, y, yo, count, out);
        store(a1, y, yo + yStride, count, out);
        store(a2, y, yo + 2 * yStride, count, out);
        store(a3, y, yo + 3 * yStride, count, out);
    }

    /** One row, one vector of batch columns at {@code b0}: the row tail of the blocked product. */
    private static void rows1(int cols, int safe, int batch, int b0, MemorySegment w, MemorySegment x,
                              MemorySegment y, int r, float[] padded, int count, float[] out) {
        FloatVector a = FloatVector.zero(F);
        long w0 = (long) r * cols * 4;
        long xo = 4L * b0;
        long xStride = 4L * batch;
        for (int j = 0; j < cols; j++, xo += xStride) {
            FloatVector x0 = j < safe ? FloatVector.fromMemorySegment(F, x, xo, LE)
                    : FloatVector.fromArray(F, padded, (j - safe) * L);
            a = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, w0 + 4L * j)), a);
        }
        store(a, y, 4L * ((long) r * batch + b0), count, out);
    }
}
