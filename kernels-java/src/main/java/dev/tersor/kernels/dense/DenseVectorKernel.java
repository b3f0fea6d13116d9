package dev.tersor.kernels.dense;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.VectorSupport;
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
            float acc = VectorSupport.sumLanes(a0.add(a1).add(a2.add(a3)));
            for (; j < cols; j++) {
                acc += w.get(Layouts.F32, row + 4L * j) * x[j];
            }
            y.setAtIndex(Layouts.F32, r, acc);
        }
    }


    /**
     * {@code Y = W·X} for batch ≥ 2, register-blocked: four rows of W by two vectors of batch columns
     * (or eight rows by one) stay in registers, so each loaded X vector feeds four (eight) FMAs. Rows go
     * outermost, so a block of W rows stays in L1 while X streams from L2. Batch columns past the last
     * whole block of {@code 2L} are first copied, zero-padded, to a heap array; the result of a partial
     * vector goes through a heap array too, so no masked memory access is needed.
     *
     * <p>Each loop lives in its own small method that loads from one kind of source only: C2 can fail to
     * intrinsify (or give up compiling) a large method that merges vectors from segment and array loads,
     * and the Vector API fallback it then runs is a hundred times slower.
     */
    private static void matMulBlocked(int cols, int batch, MemorySegment w, MemorySegment x, MemorySegment y,
                                      int rowStart, int rowEnd) {
        int fullEnd = batch - batch % (2 * L);
        int tail = batch - fullEnd;
        int quadEnd = rowStart + (rowEnd - rowStart) / 4 * 4;
        float[] out = Scratch.accumulator(2 * L);
        for (int r = rowStart; r < quadEnd; r += 4) {
            for (int b0 = 0; b0 < fullEnd; b0 += 2 * L) {
                rows4x2(cols, batch, b0, w, x, y, r);
            }
        }
        for (int r = quadEnd; r < rowEnd; r++) {
            for (int b0 = 0; b0 < fullEnd; b0 += L) {
                store(rows1(cols, batch, b0, w, x, r), y, 4L * ((long) r * batch + b0), L, out);
            }
        }
        if (tail == 0) {
            return;
        }
        int width = tail > L ? 2 * L : L;
        float[] padded = padTail(x, cols, batch, fullEnd, tail, width);
        int r = rowStart;
        if (width == 2 * L) {
            for (; r < quadEnd; r += 4) {
                rows4x2(cols, padded, batch, fullEnd, tail, w, y, r, out);
            }
        } else {
            for (; r + 8 <= quadEnd; r += 8) {
                rows8x1(cols, padded, batch, fullEnd, tail, w, y, r, out);
            }
        }
        for (; r < rowEnd; r++) {
            for (int v = 0; v < width; v += L) {
                int count = Math.clamp(tail - v, 0, L);
                store(rows1(cols, padded, width, v, w, r), y, 4L * ((long) r * batch + fullEnd + v), count, out);
            }
        }
    }

    /** X columns {@code [b0, b0 + count)} of every row, zero-padded to {@code width} floats per row. */
    private static float[] padTail(MemorySegment x, int cols, int batch, int b0, int count, int width) {
        float[] padded = new float[cols * width];
        for (int j = 0; j < cols; j++) {
            MemorySegment.copy(x, Layouts.F32, 4L * ((long) j * batch + b0), padded, j * width, count);
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

    /** Rows {@code r..r+3}, batch columns {@code [b0, b0 + 2L)}, all inside X. */
    private static void rows4x2(int cols, int batch, int b0, MemorySegment w, MemorySegment x, MemorySegment y, int r) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        long rowBytes = 4L * cols;
        long w0 = (long) r * rowBytes;
        long xo = 4L * b0;
        long xStride = 4L * batch;
        for (int j = 0; j < cols; j++, xo += xStride) {
            FloatVector x0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            FloatVector x1 = FloatVector.fromMemorySegment(F, x, xo + 4L * L, LE);
            long wj = w0 + 4L * j;
            FloatVector v = FloatVector.broadcast(F, w.get(Layouts.F32, wj));
            a00 = x0.fma(v, a00);
            a01 = x1.fma(v, a01);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, wj + rowBytes));
            a10 = x0.fma(v, a10);
            a11 = x1.fma(v, a11);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, wj + 2 * rowBytes));
            a20 = x0.fma(v, a20);
            a21 = x1.fma(v, a21);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, wj + 3 * rowBytes));
            a30 = x0.fma(v, a30);
            a31 = x1.fma(v, a31);
        }
        long yo = 4L * ((long) r * batch + b0);
        long yStride = 4L * batch;
        a00.intoMemorySegment(y, yo, LE);
        a01.intoMemorySegment(y, yo + 4L * L, LE);
        a10.intoMemorySegment(y, yo + yStride, LE);
        a11.intoMemorySegment(y, yo + yStride + 4L * L, LE);
        a20.intoMemorySegment(y, yo + 2 * yStride, LE);
        a21.intoMemorySegment(y, yo + 2 * yStride + 4L * L, LE);
        a30.intoMemorySegment(y, yo + 3 * yStride, LE);
        a31.intoMemorySegment(y, yo + 3 * yStride + 4L * L, LE);
    }

    /** Rows {@code r..r+3} over the padded tail ({@code 2L} floats per X row), {@code count} columns stored at {@code b0}. */
    private static void rows4x2(int cols, float[] padded, int batch, int b0, int count, MemorySegment w,
                                MemorySegment y, int r, float[] out) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        long rowBytes = 4L * cols;
        long w0 = (long) r * rowBytes;
        for (int j = 0; j < cols; j++) {
            FloatVector x0 = FloatVector.fromArray(F, padded, j * 2 * L);
            FloatVector x1 = FloatVector.fromArray(F, padded, j * 2 * L + L);
            long wj = w0 + 4L * j;
            FloatVector v = FloatVector.broadcast(F, w.get(Layouts.F32, wj));
            a00 = x0.fma(v, a00);
            a01 = x1.fma(v, a01);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, wj + rowBytes));
            a10 = x0.fma(v, a10);
            a11 = x1.fma(v, a11);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, wj + 2 * rowBytes));
            a20 = x0.fma(v, a20);
            a21 = x1.fma(v, a21);
            v = FloatVector.broadcast(F, w.get(Layouts.F32, wj + 3 * rowBytes));
            a30 = x0.fma(v, a30);
            a31 = x1.fma(v, a31);
        }
        long yo = 4L * ((long) r * batch + b0);
        long yStride = 4L * batch;
        int c1 = count - L;
        store(a00, y, yo, L, out);
        store(a01, y, yo + 4L * L, c1, out);
        store(a10, y, yo + yStride, L, out);
        store(a11, y, yo + yStride + 4L * L, c1, out);
        store(a20, y, yo + 2 * yStride, L, out);
        store(a21, y, yo + 2 * yStride + 4L * L, c1, out);
        store(a30, y, yo + 3 * yStride, L, out);
        store(a31, y, yo + 3 * yStride + 4L * L, c1, out);
    }

    /**
     * Rows {@code r..r+7} over the padded tail ({@code L} floats per X row), {@code count ≤ L} columns
     * stored at {@code b0}: eight independent FMA chains hide the FMA latency with one vector in flight.
     */
    private static void rows8x1(int cols, float[] padded, int batch, int b0, int count, MemorySegment w,
                                MemorySegment y, int r, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), a5 = FloatVector.zero(F);
        FloatVector a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
        long rowBytes = 4L * cols;
        long w0 = (long) r * rowBytes;
        for (int j = 0; j < cols; j++) {
            FloatVector x0 = FloatVector.fromArray(F, padded, j * L);
            long wj = w0 + 4L * j;
            a0 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, wj)), a0);
            a1 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, wj + rowBytes)), a1);
            a2 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, wj + 2 * rowBytes)), a2);
            a3 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, wj + 3 * rowBytes)), a3);
            a4 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, wj + 4 * rowBytes)), a4);
            a5 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, wj + 5 * rowBytes)), a5);
            a6 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, wj + 6 * rowBytes)), a6);
            a7 = x0.fma(FloatVector.broadcast(F, w.get(Layouts.F32, wj + 7 * rowBytes)), a7);
        }
        long yo = 4L * ((long) r * batch + b0);
        long yStride = 4L * batch;
        store(a0, y, yo, count, out);
        store(a1, y, yo + yStride, count, out);
        store(a2, y, yo + 2 * yStride, count, out);
        store(a3, y, yo + 3 * yStride, count, out);
        store(a4, y, yo + 4 * yStride, count, out);
        store(a5, y, yo + 5 * yStride, count, out);
        store(a6, y, yo + 6 * yStride, count, out);
        store(a7, y, yo + 7 * yStride, count, out);
    }

    /** Row {@code r}, one vector of batch columns at {@code b0}, inside X. */
    private static FloatVector rows1(int cols, int batch, int b0, MemorySegment w, MemorySegment x, int r) {
        FloatVector a = FloatVector.zero(F);
        long w0 = (long) r * cols * 4;
        long xo = 4L * b0;
        long xStride = 4L * batch;
        for (int j = 0; j < cols; j++, xo += xStride) {
            a = FloatVector.fromMemorySegment(F, x, xo, LE).fma(FloatVector.broadcast(F, w.get(Layouts.F32, w0 + 4L * j)), a);
        }
        return a;
    }

    /** Row {@code r}, the vector at lane {@code v} of the padded tail ({@code width} floats per X row). */
    private static FloatVector rows1(int cols, float[] padded, int width, int v, MemorySegment w, int r) {
        FloatVector a = FloatVector.zero(F);
        long w0 = (long) r * cols * 4;
        for (int j = 0; j < cols; j++) {
            a = FloatVector.fromArray(F, padded, j * width + v).fma(FloatVector.broadcast(F, w.get(Layouts.F32, w0 + 4L * j)), a);
        }
        return a;
    }
}
