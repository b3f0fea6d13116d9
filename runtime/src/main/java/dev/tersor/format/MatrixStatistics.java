package dev.tersor.format;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
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

    /** Statistics of {@code w}, decoding one row at a time. */
    public static MatrixStatistics of(WeightMatrix w) {
        Objects.requireNonNull(w, "w");
        int rows = w.rows();
        int cols = w.cols();
        LayoutArray scaleArray = w.layout().arrays().get("rowScale");
        MemorySegment scales = scaleArray != null && scaleArray.type() == ElementType.F32 && scaleArray.length() == rows
                ? scaleArray.data() : null;
        float[] row = new float[cols];
        int[] levels = new int[cols];
        MemorySegment rowSegment = MemorySegment.ofArray(row);
        Map<Integer, long[]> counts = new HashMap<>();
        boolean overflow = false;
        long zeros = 0;
        for (int r = 0; r < rows; r++) {
            levels(w, r, scales, rowSegment, levels);
            for (int c = 0; c < cols; c++) {
                if (row[c] == 0) {
                    zeros++;
                }
                if (!overflow) {
                    long[] n = counts.get(levels[c]);
                    if (n == null) {
                        if (counts.size() == MAX_LEVELS) {
                            overflow = true;
                            continue;
                        }
                        counts.put(levels[c], n = new long[1]);
                    }
                    n[0]++;
                }
            }
        }
        int omegaBits = Float.floatToRawIntBits(0f);
        long omegaCount = zeros;
        double entropy = Double.NaN;
        if (!overflow) {
            long best = -1;
            long[] levelCounts = new long[counts.size()];
            int i = 0;
            for (var e : counts.entrySet()) {
                long k = e.getValue()[0];
                if (k > best || k == best && Integer.compareUnsigned(e.getKey(), omegaBits) < 0) {
                    best = k;
                    omegaBits = e.getKey();
                }
                levelCounts[i++] = k;
            }
            omegaCount = Math.max(best, 0);
            entropy = Math.max(0, Entropy.bits(levelCounts, (long) rows * cols));
        }
        long groups = 0;
        for (int r = 0; r < rows; r++) {
            levels(w, r, scales, rowSegment, levels);
            Arrays.sort(levels);
            for (int c = 0; c < cols; c++) {
                if ((c == 0 || levels[c] != levels[c - 1]) && (overflow ? Float.intBitsToFloat(levels[c]) != 0 : levels[c] != omegaBits)) {
                    groups++;
                }
            }
        }
        return new MatrixStatistics(rows, cols, overflow ? -1 : counts.size(), entropy, zeros, omegaCount, groups);
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
}
