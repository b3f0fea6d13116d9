package dev.tersor.format.q8;

import dev.tersor.format.DenseMatrixView;

import java.util.Arrays;
import dev.tersor.kernels.arrays.Q8Arrays;

/**
 * Finds, for each row, a scale {@code s} under which every value is exactly {@code (float) c · s} for
 * an integer {@code c} with {@code |c| ≤} {@link #MAX_CODE}; codes beyond the byte range become
 * patches, and a matrix fits only while they stay rare ({@link #MAX_PATCH_SHARE}). A uniform quantizer's row is a whole number of steps,
 * and its smallest non-zero magnitude is usually one step, found at the first try; its divisors cover
 * rows whose smallest value is several steps. Every candidate is verified bit for bit, so a row either fits
 * exactly or not at all. A row whose zeros are −0 gets a negative scale; a row holding zeros of both
 * signs, a NaN or an infinity fits no scale.
 */
final class RowScales {

    /** Candidate steps: the smallest non-zero magnitude divided by 1 … this. */
    private static final int DIVISORS = 128;

    /** Largest code magnitude: a patch adds at most this much to a clamped byte. */
    static final int MAX_CODE = 32_767;

    /** At most one entry in this many may be a patch; more, and the matrix is no int8 matrix. */
    static final int MAX_PATCH_SHARE = 64;

    private RowScales() {
    }

    /** Most patches a {@code rows × cols} matrix may carry: one entry in {@link #MAX_PATCH_SHARE}. */
    static long allowedPatches(int rows, int cols) {
        return (long) rows * cols / MAX_PATCH_SHARE;
    }

    /** Whether every row of {@code source} fits a scale and patches stay rare: what q8 accepts. */
    static boolean fitEveryRow(DenseMatrixView source) {
        if (source.cols() > Q8Arrays.MAX_COLS) {
            return false;
        }
        long allowed = allowedPatches(source.rows(), source.cols());
        float[] row = new float[source.cols()];
        int[] codes = new int[source.cols()];
        long patches = 0;
        for (int r = 0; r < source.rows(); r++) {
            for (int c = 0; c < row.length; c++) {
                row[c] = source.get(r, c);
            }
            if (Float.isNaN(fit(row, codes))) {
                return false;
            }
            for (int code : codes) {
                patches += code < -128 || code > 127 ? 1 : 0;
            }
            if (patches > allowed) {
                return false;
            }
        }
        return true;
    }

    /** The row's scale, or NaN if none fits. */
    static float fit(float[] row) {
        return fit(row, new int[row.length]);
    }

    /**
     * The row's scale, or NaN if none fits; when one fits, {@code codes} holds each value's code
     * under it (found while verifying it, so encoding divides no value again).
     */
    static float fit(float[] row, int[] codes) {
        float least = Float.POSITIVE_INFINITY;
        float most = 0f;
        boolean positiveZero = false;
        boolean negativeZero = false;
        for (float v : row) {
            if (!(Math.abs(v) <= Float.MAX_VALUE)) {
                return Float.NaN;
            }
            int bits = Float.floatToRawIntBits(v);
            positiveZero |= bits == 0;
            negativeZero |= bits == 0x8000_0000;
            float magnitude = Math.abs(v);
            if (magnitude > 0) {
                least = Math.min(least, magnitude);
                most = Math.max(most, magnitude);
            }
        }
        if (positiveZero && negativeZero) {
            return Float.NaN;
        }
        // zero codes decode to a zero of the scale's sign, as a negative per-row scale leaves them
        float sign = negativeZero ? -1f : 1f;
        if (most == 0) {
            Arrays.fill(codes, 0, row.length, 0);
            return sign * 0f;
        }
        for (int divisor = 1; divisor <= DIVISORS; divisor++) {
            float step = least / divisor;
            if (!(step > 0) || most / step > MAX_CODE + 0.5f) {
                break;
            }
            // least = fl(divisor · s) divided back lands within an ulp or two of the step s
            float below = step;
            float above = step;
            for (int ulps = 0; ulps <= 2; ulps++) {
                if (fits(row, sign * below, codes)) {
                    return sign * below;
                }
                if (above != below && fits(row, sign * above, codes)) {
                    return sign * above;
                }
                below = Math.nextDown(below);
                above = Math.nextUp(above);
            }
        }
        return Float.NaN;
    }

    private static boolean fits(float[] row, float step, int[] codes) {
        for (int i = 0; i < row.length; i++) {
            double c = Math.rint(row[i] / step);
            if (Math.abs(c) > MAX_CODE || Float.floatToRawIntBits((float) c * step) != Float.floatToRawIntBits(row[i])) {
                return false;
            }
            codes[i] = (int) c;
        }
        return true;
    }
}
