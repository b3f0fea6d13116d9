package dev.tersor.compress.quant;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

import java.util.Arrays;

/**
 * The values a quantized entry may take: a sorted set of float levels c_k shared by the whole matrix,
 * optionally times a positive per-row scale s_r (methods.md Decision 10), so entry (r, k) is
 * {@code c_k · s_r} in float32, exactly as {@link QuantizedMatrix#value} computes it.
 *
 * <p>The level 0 is always present: it is the symbol of pruned (exactly zero) entries. Whether a
 * non-zero weight may round to it is a property of the grid: yes for uniform grids, where 0 is an
 * ordinary level; no for codebooks fitted to the non-zeros, which keeps the pruning pattern intact.
 *
 * <p>Immutable.
 */
public final class QuantizationGrid {

    /** Grids larger than this are refused: they would not be a quantization any more. */
    public static final int MAX_LEVELS = 1 << 20;

    private final float[] levels;
    private final double[] search;
    private final int zeroCode;
    private final boolean zeroAssignable;
    private final float[] rowScales;

    private QuantizationGrid(float[] levels, int zeroCode, boolean zeroAssignable, float[] rowScales) {
        this.levels = levels;
        this.zeroCode = zeroCode;
        this.zeroAssignable = zeroAssignable;
        this.rowScales = rowScales;
        this.search = new double[levels.length];
        for (int i = 0; i < levels.length; i++) {
            search[i] = levels[i];
        }
    }

    /**
     * A grid over {@code levels} (any order, duplicates and a missing 0 allowed; {@code -0f} is 0).
     *
     * @param zeroAssignable whether a non-zero weight may round to 0
     * @param rowScales      {@code null}, or one finite positive scale per row
     */
    public static QuantizationGrid of(float[] levels, boolean zeroAssignable, float[] rowScales) {
        float[] sorted = Arrays.copyOf(levels, levels.length + 1);
        for (int i = 0; i < levels.length; i++) {
            if (!Float.isFinite(levels[i])) {
                throw new IllegalArgumentException("level " + levels[i] + " is not finite");
            }
            if (sorted[i] == 0f) {
                sorted[i] = 0f; // folds -0f into +0f
            }
        }
        sorted[levels.length] = 0f;
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[distinct - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        if (distinct > MAX_LEVELS) {
            throw new IllegalArgumentException(distinct + " levels exceed the limit of " + MAX_LEVELS);
        }
        float[] unique = Arrays.copyOf(sorted, distinct);
        if (rowScales != null) {
            rowScales = rowScales.clone();
            for (int r = 0; r < rowScales.length; r++) {
                if (!(rowScales[r] > 0) || !Float.isFinite(rowScales[r])) {
                    throw new IllegalArgumentException("row scale " + rowScales[r] + " of row " + r
                            + " is not finite and positive");
                }
            }
        }
        return new QuantizationGrid(unique, Arrays.binarySearch(unique, 0f), zeroAssignable, rowScales);
    }

    /**
     * A grid over representatives fitted to the non-zeros, rounded to float (those that round alike
     * merge). A non-zero may take 0 only if 0 is one of the representatives.
     */
    static QuantizationGrid ofRepresentatives(double[] representatives, float[] rowScales) {
        float[] levels = new float[representatives.length];
        boolean zeroFitted = false;
        for (int i = 0; i < levels.length; i++) {
            levels[i] = (float) representatives[i];
            zeroFitted |= levels[i] == 0f;
        }
        return of(levels, zeroFitted, rowScales);
    }

    /** The code of a level of this grid; -1 if it is not one. */
    int codeOf(float level) {
        int code = Arrays.binarySearch(levels, level == 0f ? 0f : level);
        return code < 0 ? -1 : code;
    }

    /** Number of levels, 0 included. */
    public int size() {
        return levels.length;
    }

    /** The level of a code; codes order the levels ascending. */
    public float level(int code) {
        return levels[code];
    }

    /** The code of the level 0. */
    public int zeroCode() {
        return zeroCode;
    }

    public boolean zeroAssignable() {
        return zeroAssignable;
    }

    public boolean hasRowScales() {
        return rowScales != null;
    }

    /** Number of rows the grid's scales cover; -1 when it has no row scales and fits any matrix. */
    public int rows() {
        return rowScales == null ? -1 : rowScales.length;
    }

    public float rowScale(int row) {
        return rowScales == null ? 1f : rowScales[row];
    }

    /** The value of code {@code code} in row {@code row}, in float32 as formats decode it. */
    public float value(int row, int code) {
        return rowScales == null ? levels[code] : levels[code] * rowScales[row];
    }

    /**
     * The code whose value in row {@code row} is nearest to {@code w}, among the levels a non-zero
     * weight may take; values beyond the grid go to its end. Ties go to the level of smaller magnitude.
     */
    public int nearest(int row, double w) {
        double t = rowScales == null ? w : w / rowScales[row];
        int hi = upperBound(t);     // first level > t
        int lo = hi - 1;            // last level <= t
        if (!zeroAssignable) {
            if (lo == zeroCode) {
                lo--;
            }
            if (hi == zeroCode) {
                hi++;
            }
        }
        boolean hasLo = lo >= 0;
        boolean hasHi = hi < levels.length;
        if (!hasLo && !hasHi) {
            return zeroCode; // no level other than a forbidden 0: the grid was fitted to no non-zeros
        }
        if (!hasLo) {
            return hi;
        }
        if (!hasHi) {
            return lo;
        }
        double dLo = t - search[lo];
        double dHi = search[hi] - t;
        if (dLo != dHi) {
            return dLo < dHi ? lo : hi;
        }
        return Math.abs(search[lo]) <= Math.abs(search[hi]) ? lo : hi;
    }

    private int upperBound(double t) {
        int lo = 0;
        int hi = search.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (search[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Round to nearest: exact zeros take the zero code, every other entry its {@link #nearest} code.
     * This is the baseline an error-compensating pass is measured against.
     */
    public QuantizedMatrix roundToNearest(DenseMatrixView weights) {
        checkRows(weights.rows());
        return roundToNearest(Weights.copyFinite(weights), weights.rows(), weights.cols());
    }

    QuantizedMatrix roundToNearest(float[] w, int rows, int cols) {
        int[] codes = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            codes[i] = w[i] == 0f ? zeroCode : nearest(i / cols, w[i]);
        }
        return toMatrix(rows, cols, codes);
    }

    /**
     * The quantized matrix with these codes (row-major, codes of this grid). Its codebook holds the
     * used levels and 0, ascending, so its codes may differ from the grid's; its values do not.
     */
    public QuantizedMatrix toMatrix(int rows, int cols, int[] codes) {
        checkRows(rows);
        if ((long) rows * cols != codes.length) {
            throw new IllegalArgumentException(codes.length + " codes for a " + rows + "x" + cols + " matrix");
        }
        boolean[] used = new boolean[levels.length];
        used[zeroCode] = true;
        for (int i = 0; i < codes.length; i++) {
            int c = codes[i];
            if (c < 0 || c >= levels.length) {
                throw new IllegalArgumentException("code " + c + " at " + i + " is outside the grid of " + levels.length);
            }
            used[c] = true;
        }
        int[] remap = new int[levels.length];
        int n = 0;
        for (int k = 0; k < levels.length; k++) {
            remap[k] = used[k] ? n++ : -1;
        }
        float[] codebook = new float[n];
        for (int k = 0; k < levels.length; k++) {
            if (used[k]) {
                codebook[remap[k]] = levels[k];
            }
        }
        int[] compact = new int[codes.length];
        for (int i = 0; i < codes.length; i++) {
            compact[i] = remap[codes[i]];
        }
        return QuantizedMatrix.of(rows, cols, codebook, compact, rowScales);
    }

    private void checkRows(int rows) {
        if (rowScales != null && rows != rowScales.length) {
            throw new IllegalArgumentException("grid has scales for " + rowScales.length + " rows, matrix has " + rows);
        }
    }

    @Override
    public String toString() {
        return "QuantizationGrid of " + levels.length + " levels" + (rowScales == null ? "" : " x " + rowScales.length
                + " row scales") + (zeroAssignable ? "" : ", 0 reserved for zeros");
    }
}
