package dev.tersor.synthetic;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Synthetic weight matrices with controlled statistics: shape, density (fraction of entries that
 * are not zero), the number K of distinct non-zero values, their distribution, and a seed. The same
 * settings always give the same matrix.
 *
 * <p>The K values are the levels {@code 1, −1, 2, −2, 3, …} (the first K of them) times a power of
 * two {@code 2^−⌈log2 K⌉}, so every value and many sums are exact in float32; with
 * {@link Builder#integerValues(boolean)} the levels are used as they are, which makes products
 * exact on small-integer inputs.
 */
public final class MatrixGenerator {

    private final int rows;
    private final int cols;
    private final double density;
    private final int distinctValues;
    private final ValueDistribution distribution;
    private final long seed;
    private final boolean integerValues;

    private MatrixGenerator(Builder b) {
        this.rows = b.rows;
        this.cols = b.cols;
        this.density = b.density;
        this.distinctValues = b.distinctValues;
        this.distribution = b.distribution;
        this.seed = b.seed;
        this.integerValues = b.integerValues;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The K non-zero values, most likely first. */
    public float[] values() {
        float[] values = new float[distinctValues];
        float scale = integerValues ? 1f : (float) Math.scalb(1.0, -ceilLog2(distinctValues));
        for (int i = 0; i < distinctValues; i++) {
            values[i] = levels(i) * scale;
        }
        return values;
    }

    /** The i-th level of the sequence {@code 1, −1, 2, −2, …}. */
    static int levels(int i) {
        int magnitude = i / 2 + 1;
        return (i & 1) == 0 ? magnitude : -magnitude;
    }

    /** The matrix as codes over the codebook {@code [0, values()…]}: code 0 is zero. */
    public QuantizedMatrix generate() {
        long size = (long) rows * cols;
        if (size > QuantizedMatrix.MAX_ENTRIES) {
            throw new IllegalArgumentException(rows + "x" + cols + " is too large for a quantized matrix; use generateDense");
        }
        float[] codebook = new float[distinctValues + 1];
        System.arraycopy(values(), 0, codebook, 1, distinctValues);
        QuantizedMatrix.Builder builder = QuantizedMatrix.builder(rows, cols, codebook);
        fill(size, builder::set);
        return builder.build();
    }

    /** The same matrix, written straight into off-heap memory owned by {@code arena}. */
    public DenseMatrixView generateDense(Arena arena) {
        MemorySegment data = OffHeap.floats(arena, (long) rows * cols);
        float[] values = values();
        fill((long) rows * cols, (i, code) -> data.setAtIndex(Layouts.F32, i, code == 0 ? 0f : values[code - 1]));
        return new DenseMatrixView(rows, cols, data);
    }

    private interface Sink {
        void put(long index, int code);
    }

    private void fill(long n, Sink sink) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] cumulative = distribution.weights(distinctValues);
        for (int i = 1; i < cumulative.length; i++) {
            cumulative[i] += cumulative[i - 1];
        }
        double total = distinctValues == 0 ? 0 : cumulative[distinctValues - 1];
        for (long i = 0; i < n; i++) {
            if (distinctValues > 0 && random.nextDouble() < density) {
                int pick = Arrays.binarySearch(cumulative, random.nextDouble() * total);
                int index = pick >= 0 ? pick + 1 : -pick - 1;
                sink.put(i, Math.min(index, distinctValues - 1) + 1);
            } else {
                sink.put(i, 0);
            }
        }
    }

    private static int ceilLog2(int k) {
        return k <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(k - 1);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public double density() {
        return density;
    }

    public int distinctValues() {
        return distinctValues;
    }

    public ValueDistribution distribution() {
        return distribution;
    }

    public long seed() {
        return seed;
    }

    @Override
    public String toString() {
        return rows + "x" + cols + ", density " + density + ", K = " + distinctValues + " " + distribution
                .name().toLowerCase(java.util.Locale.ROOT) + (integerValues ? " integer" : "") + " values, seed " + seed;
    }

    /** Settings of a {@link MatrixGenerator}; rows and cols are required. */
    public static final class Builder {
        private int rows = -1;
        private int cols = -1;
        private double density = 1.0;
        private int distinctValues = 16;
        private ValueDistribution distribution = ValueDistribution.UNIFORM;
        private long seed = 42;
        private boolean integerValues;

        private Builder() {
        }

        public Builder rows(int rows) {
            this.rows = rows;
            return this;
        }

        public Builder cols(int cols) {
            this.cols = cols;
            return this;
        }

        /** Fraction of entries that are non-zero, in {@code [0, 1]}. */
        public Builder density(double density) {
            this.density = density;
            return this;
        }

        /** Number K of distinct non-zero values, at least 1. */
        public Builder distinctValues(int distinctValues) {
            this.distinctValues = distinctValues;
            return this;
        }

        public Builder distribution(ValueDistribution distribution) {
            this.distribution = distribution;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Use the integer levels themselves as values (exact products on small-integer inputs). */
        public Builder integerValues(boolean integerValues) {
            this.integerValues = integerValues;
            return this;
        }

        public MatrixGenerator build() {
            if (rows < 0 || cols < 0) {
                throw new IllegalArgumentException("rows and cols must be set and non-negative, got " + rows + "x" + cols);
            }
            if (!(density >= 0 && density <= 1)) {
                throw new IllegalArgumentException("density must be in [0, 1], got " + density);
            }
            if (distinctValues < 1 || distinctValues > MatrixStatistics.MAX_LEVELS) {
                throw new IllegalArgumentException("the number of distinct non-zero values must be at least 1 and at most "
                        + MatrixStatistics.MAX_LEVELS + ", got " + distinctValues);
            }
            if (distribution == null) {
                throw new IllegalArgumentException("distribution must not be null");
            }
            return new MatrixGenerator(this);
        }
    }
}
