package dev.tersor.server;

import java.util.Arrays;

/** What each request asks of its pooled vectors: fewer leading dimensions, and unit length. */
final class Vectors {

    private Vectors() {
    }

    /**
     * The first {@code dimensions} components of {@code pooled} (all for 0), scaled to unit L2 norm
     * when {@code normalize}, as the {@code Embedder} scales them (a norm summed in double). A new
     * array; {@code pooled} is left as it is.
     */
    static float[] finish(float[] pooled, int dimensions, boolean normalize) {
        float[] v = Arrays.copyOf(pooled, dimensions > 0 ? Math.min(dimensions, pooled.length) : pooled.length);
        if (normalize) {
            double sum = 0;
            for (float x : v) {
                sum += (double) x * x;
            }
            double norm = Math.sqrt(sum);
            if (norm > 0) {
                for (int d = 0; d < v.length; d++) {
                    v[d] = (float) (v[d] / norm);
                }
            }
        }
        return v;
    }
}
