package dev.tersor.server;

import dev.tersor.embed.UnitLength;

import java.util.Arrays;

/** What each request asks of its pooled vectors: fewer leading dimensions, and unit length. */
final class Vectors {

    private Vectors() {
    }

    /**
     * The first {@code dimensions} components of {@code pooled} (all for 0), scaled to unit L2 norm
     * when {@code normalize} exactly as the {@code Embedder} scales them ({@link UnitLength}). A new
     * array; {@code pooled} is left as it is.
     */
    static float[] finish(float[] pooled, int dimensions, boolean normalize) {
        float[] v = Arrays.copyOf(pooled, dimensions > 0 ? Math.min(dimensions, pooled.length) : pooled.length);
        return normalize ? UnitLength.scale(v) : v;
    }
}
