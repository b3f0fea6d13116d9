package dev.tersor.format.q8;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Finds, for each row, a scale {@code s ≥ 0} under which every value is exactly {@code (float) c · s}
 * for an integer code {@code c} in [-128, 127]. A uniform quantizer's row is a whole number of steps,
 * and its smallest non-zero magnitude is usually one step, found at the first try; its divisors cover
 * rows whose smallest value is several steps. Every candidate is verified bit for bit, so a row either fits
 * exactly or not at all. A row whose zeros are −0 gets a negative scale; a row holding zeros of both
 * signs, a NaN or an infinity fits no scale.
 */
final class RowScales {

    /** Candidate steps: the smallest non-zero magnitude divided by 1 … this (it is at most 128 steps). */
    private static final int DIVISORS = 128;

    private RowScales() {
    }

    /** One scale per row, or null if some row fits none. */
    static float[] fit(DenseMatrixView source) {
        float[] scales = new float[source.rows()];
        float[] row = new float[source.cols()];
        for (int r = 0; r < source.rows(); r++) {
            for (int c = 0; c < row.length; c++) {
                row[c] = source.get(r, c);
            }
            scales[r] = fit(row);
            if (Float.isNaN(scales[r])) {
                return null;
            }
        }
        return scales;
    }

    /** {@link #fit(DenseMatrixView)} over a stored matrix, decoding one row at a time. */
    static float[] fit(WeightMatrix stored) {
        if (stored.cols() > Q8Arrays.MAX_COLS) {
            return null;
        }
        float[] scales = new float[stored.rows()];
        float[] row = new float[stored.cols()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment decoded = arena.allocate(4L * Math.max(1, stored.cols()), 64);
            for (int r = 0; r < stored.rows(); r++) {
                stored.decodeRow(r, decoded);
                MemorySegment.copy(decoded, Layouts.F32, 0, row, 0, row.length);
                scales[r] = fit(row);
                if (Float.isNaN(scales[r])) {
                    return null;
                }
            }
        }
        return scales;
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
            if (!(step > 0) || most / step > 128.5f) {
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
            if (c < -128 || c > 127 || Float.floatToRawIntBits((float) c * step) != Float.floatToRawIntBits(v)) {
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
