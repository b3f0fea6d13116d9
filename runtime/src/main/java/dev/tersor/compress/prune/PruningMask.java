package dev.tersor.compress.prune;

import dev.tersor.format.DenseMatrixView;

import java.util.Arrays;

/**
 * Which entries of a {@code rows × cols} matrix are pruned (forced to an exact zero). Immutable.
 */
public final class PruningMask {

    private final int rows;
    private final int cols;
    private final long[] pruned;
    private final long prunedCount;

    PruningMask(int rows, int cols, long[] pruned) {
        this.rows = rows;
        this.cols = cols;
        this.pruned = pruned;
        long count = 0;
        for (long word : pruned) {
            count += Long.bitCount(word);
        }
        this.prunedCount = count;
    }

    /** A mask that prunes nothing. */
    public static PruningMask none(int rows, int cols) {
        checkShape(rows, cols);
        return new PruningMask(rows, cols, new long[words((long) rows * cols)]);
    }

    static int words(long entries) {
        return (int) ((entries + 63) >>> 6);
    }

    static void checkShape(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        if ((long) rows * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows + "x" + cols + " is too large to prune in one piece");
        }
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public boolean isPruned(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside " + rows + "x" + cols);
        }
        return isPruned((long) row * cols + col);
    }

    /** Whether the entry at row-major position {@code index} is pruned; unchecked beyond the array. */
    boolean isPruned(long index) {
        return (pruned[(int) (index >>> 6)] & (1L << index)) != 0;
    }

    public long prunedCount() {
        return prunedCount;
    }

    /** Pruned entries over all entries (0 for an empty matrix). */
    public double sparsity() {
        long n = (long) rows * cols;
        return n == 0 ? 0 : (double) prunedCount / n;
    }

    /** A heap copy of {@code weights} with every pruned entry set to {@code +0f}. */
    public DenseMatrixView apply(DenseMatrixView weights) {
        if (weights.rows() != rows || weights.cols() != cols) {
            throw new IllegalArgumentException("mask is " + rows + "x" + cols + ", weights are "
                    + weights.rows() + "x" + weights.cols());
        }
        float[] values = weights.toArray();
        for (int w = 0; w < pruned.length; w++) {
            long word = pruned[w];
            while (word != 0) {
                values[(w << 6) + Long.numberOfTrailingZeros(word)] = 0f;
                word &= word - 1;
            }
        }
        return DenseMatrixView.of(rows, cols, values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PruningMask m && rows == m.rows && cols == m.cols && Arrays.equals(pruned, m.pruned);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + Arrays.hashCode(pruned);
    }

    @Override
    public String toString() {
        return "PruningMask " + rows + "x" + cols + ", " + prunedCount + " pruned";
    }
}
