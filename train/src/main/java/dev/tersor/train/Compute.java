package dev.tersor.train;

import dev.tersor.kernels.Parallelism;
import dev.tersor.kernels.tensor.TensorKernels;

import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;

/**
 * The arithmetic training runs on: the runtime's tensor kernels over heap arrays, and its row
 * parallelism. Work is split into a fixed number of parts whose bounds depend only on the sizes, and
 * partial sums are reduced in part order, so a step gives the same bits however threads are scheduled
 * (a resumed run then matches an uninterrupted one).
 */
public final class Compute {

    private final TensorKernels kernels;
    private final Parallelism parallelism;

    public Compute(TensorKernels kernels, Parallelism parallelism) {
        this.kernels = kernels;
        this.parallelism = parallelism;
    }

    /** The preferred tensor kernels on {@code threads} threads. */
    public static Compute of(int threads) {
        return new Compute(TensorKernels.preferred(), Parallelism.of(threads));
    }

    /**
     * {@code C[m][n] (+)= A[m][k] · B[k][n]} for row-major arrays at the given offsets, the rows of C
     * shared among the threads.
     */
    public void multiply(int m, int k, int n, float[] a, int aOffset, float[] b, int bOffset, float[] c, int cOffset,
                         boolean accumulate) {
        MemorySegment as = MemorySegment.ofArray(a);
        MemorySegment bs = MemorySegment.ofArray(b);
        MemorySegment cs = MemorySegment.ofArray(c);
        long work = (long) k * n;
        // Blocks of four rows keep the kernel on its widest register tile.
        int blocks = Math.ceilDiv(m, 4);
        parallelism.forEachRange(blocks, block -> block * 4L * work, 1 << 16, (start, end) -> {
            int first = start * 4;
            int rows = Math.min(m, end * 4) - first;
            kernels.gemm(rows, k, n, as, aOffset + (long) first * k, k, bs, bOffset, n, cs, cOffset + (long) first * n, n,
                    accumulate);
        });
    }

    /** As {@link #multiply}, on the calling thread only (for work that is already split by the caller). */
    public void multiplySerial(int m, int k, int n, float[] a, int aOffset, float[] b, int bOffset, float[] c,
                               int cOffset, boolean accumulate) {
        kernels.gemm(m, k, n, MemorySegment.ofArray(a), aOffset, k, MemorySegment.ofArray(b), bOffset, n,
                MemorySegment.ofArray(c), cOffset, n, accumulate);
    }

    /** {@code y[c][r] = x[r][c]} for a row-major {@code rows × cols} block, by the tensor kernels' transpose. */
    public void transpose(float[] x, int xOffset, int rows, int cols, float[] y, int yOffset) {
        kernels.transpose(MemorySegment.ofArray(x), xOffset, MemorySegment.ofArray(y), yOffset, rows, cols);
    }

    /**
     * Parts a reduction over items is split into, whatever the thread count: partial sums are then
     * added in the same order on any machine, so results do not depend on {@code --threads}.
     */
    static final int PARTS = 8;

    /** The number of parts {@link #forEachPart} splits {@code items} into: {@link #PARTS}, fewer for fewer items. */
    public int parts(int items) {
        return Math.max(1, Math.min(items, PARTS));
    }

    /** Runs {@code part} for each of {@code parts} parts, in parallel. */
    public void forEachPart(int parts, IntConsumer part) {
        parallelism.forEachRange(parts, p -> p, (start, end) -> {
            for (int p = start; p < end; p++) {
                part.accept(p);
            }
        });
    }

    /** The first item of part {@code p} when {@code items} are split into {@code parts} parts. */
    public static int partStart(int items, int parts, int p) {
        return (int) ((long) items * p / parts);
    }

    /**
     * Runs {@code task} over the items {@code [0, items)} split into parts, in parallel; each part
     * covers a contiguous range fixed by the sizes alone.
     */
    public void forEachRange(int items, Parallelism.RangeTask task) {
        int parts = parts(items);
        forEachPart(parts, p -> task.run(partStart(items, parts, p), partStart(items, parts, p + 1)));
    }
}
