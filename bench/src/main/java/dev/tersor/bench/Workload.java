package dev.tersor.bench;

import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * The input side of a product: the matrix and a fixed input {@code X} ({@code [cols][batch]}, uniform
 * in {@code [−1, 1)}, seed {@value #INPUT_SEED}), shared by every contender of a trial or a harness run.
 */
public final class Workload implements AutoCloseable {

    /** Seed of every benchmark input. */
    public static final long INPUT_SEED = 7;

    private final QuantizedMatrix source;
    private final int batch;
    private final Arena arena;
    private final MemorySegment x;

    public Workload(QuantizedMatrix source, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.source = source;
        this.batch = batch;
        this.arena = Arena.ofShared();
        this.x = OffHeap.floats(arena, (long) source.cols() * batch);
        SplittableRandom random = new SplittableRandom(INPUT_SEED);
        for (long i = 0; i < (long) source.cols() * batch; i++) {
            x.setAtIndex(Layouts.F32, i, (float) (2 * random.nextDouble() - 1));
        }
    }

    public QuantizedMatrix source() {
        return source;
    }

    public int rows() {
        return source.rows();
    }

    public int cols() {
        return source.cols();
    }

    public int batch() {
        return batch;
    }

    /** {@code X}, {@code [cols][batch]} float32. */
    public MemorySegment x() {
        return x;
    }

    /** The first {@code count} rows of the matrix (all of it if it has fewer), with the same codebook and scales. */
    public QuantizedMatrix firstRows(int count) {
        int rows = Math.min(count, source.rows());
        float[] codebook = new float[source.codebookSize()];
        for (int k = 0; k < codebook.length; k++) {
            codebook[k] = source.codebookValue(k);
        }
        QuantizedMatrix.Builder slice = QuantizedMatrix.builder(rows, source.cols(), codebook);
        float[] scales = source.hasRowScales() ? new float[rows] : null;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < source.cols(); c++) {
                slice.set(r, c, source.code(r, c));
            }
            if (scales != null) {
                scales[r] = source.rowScale(r);
            }
        }
        return slice.rowScales(scales).build();
    }

    /** Entries of the matrix that are not zero. */
    public long nonZeros() {
        long[] counts = source.codeCounts();
        long zeros = 0;
        for (int code = 0; code < counts.length; code++) {
            if (source.codebookValue(code) == 0) {
                zeros += counts[code];
            }
        }
        return (long) source.rows() * source.cols() - zeros;
    }

    @Override
    public void close() {
        arena.close();
    }
}
