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

    private TokenQuantizer() {
    }

    /**
     * Quantizes {@code X[·][b]} of X laid out {@code [cols][batch]} into {@code q[0..cols)}.
     *
     * @return the column's scale: {@code m/127}, 0 or NaN as above
     */
    public static float quantize(MemorySegment x, int cols, int batch, int b, byte[] q) {
        float max = 0f;
        for (int j = 0; j < cols; j++) {
            float v = Math.abs(x.getAtIndex(Layouts.F32, (long) j * batch + b));
            if (!(v <= Float.MAX_VALUE)) {
                java.util.Arrays.fill(q, 0, cols, (byte) 0);
                return Float.NaN;
            }
            max = Math.max(max, v);
        }
        if (max < TINY) {
            java.util.Arrays.fill(q, 0, cols, (byte) 0);
            return 0f;
        }
        float inverse = 127f / max;
        for (int j = 0; j < cols; j++) {
            float scaled = x.getAtIndex(Layouts.F32, (long) j * batch + b) * inverse;
            q[j] = (byte) Math.max(-127, Math.min(127, (int) Math.rint(scaled)));
        }
        return max / 127f;
    }
}
