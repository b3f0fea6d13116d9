package dev.tersor.bench;

import dev.tersor.bench.blas.OpenBlas;
import dev.tersor.format.Execution;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.KernelUnavailableException;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One {@link Variant} ready to multiply a {@link Workload}'s input: a Tersor format encoded and bound
 * to its kernels and threads, or OpenBLAS over a dense copy with its thread count matched. Each owns
 * its output and the memory it encoded.
 */
public abstract sealed class Contender implements AutoCloseable {

    /** Entries of the slice the kernels are compiled on first, and how often or how long it is multiplied. */
    static final int PRIME_ENTRIES = 1 << 16;
    static final int PRIME_CALLS = 20_000;
    static final long PRIME_NANOS = 2_000_000_000L;

    private final Variant variant;
    private final Workload workload;
    private final int threads;
    protected final Arena arena = Arena.ofShared();
    protected final MemorySegment y;

    private Contender(Variant variant, Workload workload, int threads) {
        this.variant = variant;
        this.workload = workload;
        this.threads = threads;
        this.y = OffHeap.floats(arena, (long) workload.rows() * workload.batch());
    }

    /**
     * Prepares {@code variant} on {@code workload} with {@code threads} threads.
     *
     * @throws TrialSkippedException when the format cannot encode this matrix or the provider cannot run here
     * @throws dev.tersor.bench.blas.OpenBlasUnavailableException when OpenBLAS is missing
     */
    public static Contender open(Variant variant, Workload workload, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (variant.isOpenBlas()) {
            return new Blas(variant, workload, threads, OpenBlas.load());
        }
        MatrixFormat format = MatrixFormats.named(variant.format());
        Kernels kernels;
        try {
            kernels = Kernels.named(variant.provider());
        } catch (KernelUnavailableException e) {
            throw new TrialSkippedException("kernel provider " + variant.provider() + " is unavailable: " + e.getMessage(), e);
        }
        WeightMatrix matrix;
        try {
            matrix = format.encodeToRun(workload.source()); // as models run it: q8 on int8 activations
        } catch (RuntimeException e) {
            throw new TrialSkippedException(variant.format() + " cannot encode this matrix: " + e.getMessage(), e);
        }
        return new Tersor(variant, workload, threads, matrix, new Execution(kernels, Parallelism.of(threads)));
    }

    public Variant variant() {
        return variant;
    }

    public int threads() {
        return threads;
    }

    /** Bytes of the weights as this contender stores them: the format's layout, or dense float32 for OpenBLAS. */
    public abstract long bytes();

    /** {@code Y = W·X}; the timed call. */
    public abstract void multiply();

    /** Whether the product quantizes activations to int8 (and so answers to the wider int8 bound). */
    public boolean quantizesActivations() {
        return false;
    }

    /** {@code Y}, {@code [rows][batch]}. */
    public MemorySegment output() {
        return y;
    }

    /** Multiplies once and checks {@code Y} against the double-precision reference. */
    public void verify() {
        verify(ReferenceCheck.expected(workload.source(), workload.x(), workload.batch()));
    }

    /** As {@link #verify()}, against a reference computed before for this workload's matrix, input and batch. */
    public void verify(ReferenceCheck.Expected expected) {
        y.fill((byte) 0xFF); // NaN everywhere, so an output the product never writes cannot pass
        multiply();
        expected.check(y, variant.id(), quantizesActivations());
    }

    /**
     * Brings the product to steady state before it is timed. Vector API code runs orders of magnitude
     * slower before C2 compiles it, and a large matrix's first products can take seconds; time-boxed
     * warm-up iterations alone would then measure a half-compiled kernel. So the kernels are first
     * compiled on a small slice of the matrix (many quick calls), then {@link #multiply()} is called
     * until the JIT has settled ({@link Settle}), or {@code budgetNanos} runs out (at least three calls).
     *
     * @return the number of calls made
     */
    public int warmUp(long budgetNanos) {
        prime();
        return Settle.run(this::multiply, budgetNanos);
    }

    /** Compiles the code {@link #multiply()} runs on inputs small enough to call it many times; optional. */
    protected void prime() {
    }

    protected Workload workload() {
        return workload;
    }

    @Override
    public void close() {
        arena.close();
    }

    private static final class Tersor extends Contender {
        private final WeightMatrix matrix;
        private final Execution execution;
        private final MemorySegment x;
        private final int batch;

        Tersor(Variant variant, Workload workload, int threads, WeightMatrix matrix, Execution execution) {
            super(variant, workload, threads);
            this.matrix = matrix;
            this.execution = execution;
            this.x = workload.x();
            this.batch = workload.batch();
        }

        @Override
        public long bytes() {
            return matrix.byteSize();
        }

        @Override
        public boolean quantizesActivations() {
            return matrix.quantizesActivations();
        }

        @Override
        public void multiply() {
            matrix.multiply(x, y, batch, execution);
        }

        /**
         * Runs the same format, provider and threads on the matrix's first rows, about {@value #PRIME_ENTRIES}
         * entries with the same columns (so column indices keep their width), until the kernels have been
         * called {@value #PRIME_CALLS} times or {@value #PRIME_NANOS} ns have passed.
         */
        @Override
        protected void prime() {
            QuantizedMatrix slice = workload().firstRows(Math.max(1, PRIME_ENTRIES / Math.max(1, workload().cols())));
            WeightMatrix small;
            try {
                small = MatrixFormats.named(variant().format()).encode(slice);
            } catch (RuntimeException e) {
                return; // a slice the format cannot encode leaves the whole matrix to warm up
            }
            try (small; Arena scratch = Arena.ofShared()) {
                MemorySegment out = OffHeap.floats(scratch, (long) slice.rows() * batch);
                long start = System.nanoTime();
                for (int i = 0; i < PRIME_CALLS && System.nanoTime() - start < PRIME_NANOS; i++) {
                    small.multiply(x, out, batch, execution);
                }
            }
        }

        @Override
        public void close() {
            matrix.close();
            super.close();
        }
    }

    private static final class Blas extends Contender {
        private final OpenBlas blas;
        private final MemorySegment a;
        private final MemorySegment x;
        private final int rows;
        private final int cols;
        private final int batch;

        Blas(Variant variant, Workload workload, int threads, OpenBlas blas) {
            super(variant, workload, threads);
            this.blas = blas;
            this.rows = workload.rows();
            this.cols = workload.cols();
            this.batch = workload.batch();
            this.x = workload.x();
            this.a = OffHeap.floats(arena, (long) rows * cols);
            workload.source().decodeInto(a);
            // OpenBLAS's thread count is process-wide: the last contender opened sets it
            blas.setThreads(threads);
        }

        @Override
        public long bytes() {
            return a.byteSize();
        }

        @Override
        public void multiply() {
            blas.multiply(rows, cols, batch, a, x, y);
        }
    }
}
