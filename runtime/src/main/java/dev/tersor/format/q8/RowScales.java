package dev.tersor.format.q8;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

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

    /** Each row's scale and how many of the matrix's codes fall outside [-128, 127]. */
    record Fit(float[] scales, long patches) {
    }

    private RowScales() {
    }

    /** One scale per row, or null if some row fits none or patches would not be rare. */
    static Fit fit(DenseMatrixView source) {
        float[] row = new float[source.cols()];
        return fit(source.rows(), source.cols(), r -> {
            for (int c = 0; c < row.length; c++) {
                row[c] = source.get(r, c);
            }
            return row;
        });
    }

    /** {@link #fit(DenseMatrixView)} over a stored matrix, decoding one row at a time. */
    static Fit fit(WeightMatrix stored) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment decoded = arena.allocate(4L * Math.max(1, stored.cols()), 64);
            float[] row = new float[stored.cols()];
            return fit(stored.rows(), stored.cols(), r -> {
                stored.decodeRow(r, decoded);
                MemorySegment.copy(decoded, Layouts.F32, 0, row, 0, row.length);
                return row;
            });
        }
    }

    private static Fit fit(int rows, int cols, java.util.function.IntFunction<float[]> rowSource) {
        if (cols > Q8Arrays.MAX_COLS) {
            return null;
        }
        long allowed = (long) rows * cols / MAX_PATCH_SHARE;
        float[] scales = new float[rows];
        long patches = 0;
        for (int r = 0; r < rows; r++) {
            float[] row = rowSource.apply(r);
            scales[r] = fit(row);
            if (Float.isNaN(scales[r])) {
                return null;
            }
            for (float v : row) {
                int code = code(v, scales[r]);
                patches += code < -128 || code > 127 ? 1 : 0;
            }
            if (patches > allowed) {
                return null;
            }
        }
        return new Fit(scales, patches);
    }

    /** The row's scale, or NaN if none fits. */
    static float fit(float[] row) {
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
                if (fits(row, sign * below)) {
                    return sign * below;
                }
                if (above != below && fits(row, sign * above)) {
                    return sign * above;
                }
                below = Math.nextDown(below);
                above = Math.nextUp(above);
            }
        }
        return Float.NaN;
    }

    private static boolean fits(float[] row, float step) {
        for (float v : row) {
            double c = Math.rint(v / step);
            if (Math.abs(c) > MAX_CODE || Float.floatToRawIntBits((float) c * step) != Float.floatToRawIntBits(v)) {
                return false;
            }
        }
        return true;
    }

    /** The code of {@code value} under a fitted {@code step}. */
    static int code(float value, float step) {
        return step == 0 ? 0 : (int) Math.rint(value / step);
    }
}
