package dev.tersor.kernels.q8;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * Symmetric int8 quantization of one batch column of activations, the same bits on every provider
 * (the C kernels repeat it operation for operation): with {@code m = max_j |x_j|},
 * {@code q_j = clamp(rint(x_j · (127/m)), −127, 127)} and the column's scale is {@code m/127}.
 * All arithmetic is float32, {@code rint} rounds half to even.
 *
 * <p>Two edge cases are defined so that every path agrees: a column whose largest magnitude is below
 * {@link #TINY} quantizes to zeros with scale 0 (its reciprocal would overflow), and a column holding
 * a NaN or an infinity quantizes to zeros with scale NaN, so every output of that column is NaN.
 */
public final class TokenQuantizer {

    /** Largest magnitudes below this quantize to zero: {@code 127/m} must stay finite. */
    public static final float TINY = 1e-30f;

    /** An entry beyond this many times its column's mean magnitude is an outlier. */
    public static final float OUTLIER_FACTOR = 6f;

    /** At most this many outliers per column. */
    public static final int MAX_OUTLIERS = 8;

    private TokenQuantizer() {
    }

    /**
     * Quantizes {@code X[·][b]} of X laid out {@code [cols][batch]} into {@code q[0..cols)}; the
     * column's outliers ({@link #outliers}) quantize to 0 and do not set the scale.
     *
     * @return the column's scale: {@code m/127} with {@code m} the largest magnitude among the
     *         others, 0 or NaN as above
     */
    public static float quantize(MemorySegment x, int cols, int batch, int b, byte[] q) {
        float threshold = outlierThreshold(x, cols, batch, b);
        if (Float.isNaN(threshold)) {
            java.util.Arrays.fill(q, 0, cols, (byte) 0);
            return Float.NaN;
        }
        float max = 0f;
        int outliers = 0;
        for (int j = 0; j < cols; j++) {
            float v = Math.abs(x.getAtIndex(Layouts.F32, (long) j * batch + b));
            if (v > threshold && outliers < MAX_OUTLIERS) {
                outliers++;
            } else {
                max = Math.max(max, v);
            }
        }
        if (max < TINY) {
            java.util.Arrays.fill(q, 0, cols, (byte) 0);
            return 0f;
        }
        float inverse = 127f / max;
        outliers = 0;
        for (int j = 0; j < cols; j++) {
            float v = x.getAtIndex(Layouts.F32, (long) j * batch + b);
            if (Math.abs(v) > threshold && outliers < MAX_OUTLIERS) {
                outliers++;
                q[j] = 0;
            } else {
                q[j] = (byte) Math.max(-127, Math.min(127, (int) Math.rint(v * inverse)));
            }
        }
        return max / 127f;
    }

    /**
     * The column's outliers, at most {@link #MAX_OUTLIERS}: the first entries, in index order, whose
     * magnitude exceeds {@link #OUTLIER_FACTOR} times the column's mean magnitude. Transformer
     * activations carry a few such channels (LayerNorm outputs of BERT-like models); one of them
     * would set the scale and leave the other channels a handful of levels. They are multiplied in
     * float instead ({@link Q8Patches}).
     *
     * @return how many were written to {@code columns}; 0 for a column holding a NaN or an infinity
     */
    public static int outliers(MemorySegment x, int cols, int batch, int b, int[] columns) {
        float threshold = outlierThreshold(x, cols, batch, b);
        int n = 0;
        for (int j = 0; j < cols && n < MAX_OUTLIERS && !Float.isNaN(threshold); j++) {
            if (Math.abs(x.getAtIndex(Layouts.F32, (long) j * batch + b)) > threshold) {
                columns[n++] = j;
            }
        }
        return n;
    }

    /** {@link #OUTLIER_FACTOR} times the mean magnitude, summed in index order; NaN if a value is not finite. */
    private static float outlierThreshold(MemorySegment x, int cols, int batch, int b) {
        float sum = 0f;
        for (int j = 0; j < cols; j++) {
            float v = Math.abs(x.getAtIndex(Layouts.F32, (long) j * batch + b));
            if (!(v <= Float.MAX_VALUE)) {
                return Float.NaN;
            }
            sum += v;
        }
        return OUTLIER_FACTOR * (sum / cols);
    }
}
