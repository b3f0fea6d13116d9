package dev.tersor.format;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What a weight matrix's values look like, computed by decoding it one row at a time (never the
 * whole matrix at once): the distinct quantization levels K and their entropy H, the share of zeros,
 * the most frequent value ω0, and the number of CSER-style groups (distinct non-ω0 levels per row,
 * summed over rows). For a matrix with per-row scales ({@code rowScale} in its layout) the levels are
 * the values divided by their row's scale, i.e. the shared codebook entries the entropy coder codes.
 *
 * <p>Counting stops at {@value #MAX_LEVELS} distinct levels (an unquantized float matrix has
 * millions): K is then reported as -1 and H as NaN, and ω0 is taken to be 0.
 *
 * @param distinctLevels    K, or -1 when the matrix has more than {@link #MAX_LEVELS}
 * @param entropyBits       H of the levels over all entries, bits per entry; NaN when not counted
 * @param zeros             entries equal to 0
 * @param mostFrequentCount entries equal to ω0 (the most frequent level; 0 when not counted)
 * @param groups            Σ over rows of the distinct levels other than ω0 in that row
 */
public record MatrixStatistics(int rows, int cols, int distinctLevels, double entropyBits, long zeros,
                               long mostFrequentCount, long groups) {

    /** Most distinct levels counted. */
    public static final int MAX_LEVELS = 1 << 16;

    public long entries() {
        return (long) rows * cols;
    }

    /** Share of non-zero entries; 0 for an empty matrix. */
    public double density() {
        return entries() == 0 ? 0 : 1.0 - (double) zeros / entries();
    }

    /** Entries other than ω0: what CSR/CER/CSER/sHAM store explicitly. */
    public long explicitEntries() {
        return entries() - mostFrequentCount;
    }

    public boolean levelsCounted() {
        return distinctLevels >= 0;
    }

    /**
     * Statistics of {@code w} in one pass, decoding one row at a time. Each row's distinct levels are
     * counted as they come (a set cleared per row), and each level counts the rows it occurs in, so
     * the groups follow once ω0 is known without decoding the matrix again.
     */
    public static MatrixStatistics of(WeightMatrix w) {
        Objects.requireNonNull(w, "w");
        int rows = w.rows();
        int cols = w.cols();
        Layout layout = w.layout();
        LayoutArray scaleArray = layout.arrays().get("rowScale");
        MemorySegment scales = scaleArray != null && scaleArray.length() == rows
                && (scaleArray.type() == ElementType.F32 || scaleArray.type() == ElementType.F16)
                ? StoredScales.read(layout, "rowScale", rows) : null;
        float[] row = new float[cols];
        int[] levels = new int[cols];
        MemorySegment rowSegment = MemorySegment.ofArray(row);
        LevelCounts counts = new LevelCounts();
        RowLevels seen = new RowLevels(cols);
        long zeros = 0;
        long distinctPerRow = 0;
        long nonZeroDistinctPerRow = 0;
        for (int r = 0; r < rows; r++) {
            levels(w, r, scales, rowSegment, levels);
            seen.clear();
            for (int c = 0; c < cols; c++) {
                int level = levels[c];
                if (row[c] == 0) {
                    zeros++;
                }
                boolean firstInRow = seen.add(level);
                if (firstInRow) {
                    distinctPerRow++;
                    nonZeroDistinctPerRow += Float.intBitsToFloat(level) != 0 ? 1 : 0;
                }
                counts.add(level, firstInRow);
            }
        }
        if (counts.overflowed()) {
            // ω0 is taken to be 0, so the groups are the distinct non-zero levels of each row
            return new MatrixStatistics(rows, cols, -1, Double.NaN, zeros, zeros, nonZeroDistinctPerRow);
        }
        int omega = counts.mostFrequent();
        long omegaCount = counts.size() == 0 ? 0 : counts.count(omega);
        double entropy = Math.max(0, Entropy.bits(counts.counts(), (long) rows * cols));
        long groups = distinctPerRow - (counts.size() == 0 ? 0 : counts.rowsWith(omega));
        return new MatrixStatistics(rows, cols, counts.size(), entropy, zeros, omegaCount, groups);
    }

    /**
     * Decodes row {@code r} of {@code w} into {@code row} (a heap segment) and writes each entry's level,
     * the bits of its value divided by the row's scale, to {@code levels}.
     */
    private static void levels(WeightMatrix w, int r, MemorySegment scales, MemorySegment row, int[] levels) {
        w.decodeRow(r, row);
        float scale = scales == null ? 1f : scales.getAtIndex(Layouts.F32, r);
        for (int c = 0; c < levels.length; c++) {
            float v = row.getAtIndex(Layouts.F32, c);
            levels[c] = Float.floatToRawIntBits(scale == 0 || scale == 1f ? v : v / scale);
        }
    }

    /** Spreads a level's bits over the table (float bits cluster in their high half). */
    private static int hash(int level) {
        int h = level * 0x9E37_79B9;
        return h ^ (h >>> 16);
    }

    /**
     * Entries and rows per level, for up to {@link #MAX_LEVELS} levels, in open-addressing arrays
     * rather than a map of boxed keys (loading counts millions of entries); a slot is free while its
     * entry count is 0. A level beyond the limit marks the table overflowed; it counts nothing after that.
     */
    private static final class LevelCounts {
        private int[] keys = new int[64];
        private long[] entries = new long[64];
        private int[] rows = new int[64];
        private int size;
        private boolean overflowed;

        void add(int level, boolean firstInRow) {
            if (overflowed) {
                return;
            }
            int slot = find(level);
            if (entries[slot] == 0) {
                if (size == MAX_LEVELS) {
                    overflowed = true;
                    return;
                }
                keys[slot] = level;
                size++;
                if (2 * size > keys.length) {
                    entries[slot] = 1; // occupied while the table grows
                    grow();
                    slot = find(level);
                    entries[slot] = 0;
                }
            }
            entries[slot]++;
            rows[slot] += firstInRow ? 1 : 0;
        }

        boolean overflowed() {
            return overflowed;
        }

        int size() {
            return size;
        }

        long count(int level) {
            return entries[find(level)];
        }

        long rowsWith(int level) {
            return rows[find(level)];
        }

        /** The level of most entries; of those tied, the least by unsigned bits. */
        int mostFrequent() {
            long best = -1;
            int level = 0;
            for (int s = 0; s < keys.length; s++) {
                if (entries[s] > 0 && (entries[s] > best || entries[s] == best && Integer.compareUnsigned(keys[s], level) < 0)) {
                    best = entries[s];
                    level = keys[s];
                }
            }
            return level;
        }

        long[] counts() {
            long[] counts = new long[size];
            int i = 0;
            for (long n : entries) {
                if (n > 0) {
                    counts[i++] = n;
                }
            }
            return counts;
        }

        private int find(int level) {
            int mask = keys.length - 1;
            int slot = hash(level) & mask;
            while (entries[slot] > 0 && keys[slot] != level) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }

        private void grow() {
            int[] oldKeys = keys;
            long[] oldEntries = entries;
            int[] oldRows = rows;
            keys = new int[oldKeys.length * 2];
            entries = new long[keys.length];
            rows = new int[keys.length];
            for (int s = 0; s < oldKeys.length; s++) {
                if (oldEntries[s] > 0) {
                    int slot = find(oldKeys[s]);
                    keys[slot] = oldKeys[s];
                    entries[slot] = oldEntries[s];
                    rows[slot] = oldRows[s];
                }
            }
        }
    }

    /** The distinct levels of one row: an open-addressing set emptied per row by bumping a generation. */
    private static final class RowLevels {
        private final int[] keys;
        private final int[] generation;
        private int current = 1;

        RowLevels(int cols) {
            int capacity = Integer.highestOneBit(Math.max(2, cols) * 2 - 1) * 2;
            keys = new int[capacity];
            generation = new int[capacity];
        }

        void clear() {
            current++;
        }

        /** Whether {@code level} is new in this row. */
        boolean add(int level) {
            int mask = keys.length - 1;
            int slot = hash(level) & mask;
            while (generation[slot] == current) {
                if (keys[slot] == level) {
                    return false;
                }
                slot = (slot + 1) & mask;
            }
            generation[slot] = current;
            keys[slot] = level;
            return true;
        }
    }
}
