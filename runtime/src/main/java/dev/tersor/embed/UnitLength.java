package dev.tersor.embed;

/**
 * Scaling an embedding to unit L2 norm, the one way every Tersor path does it (the norm summed in
 * double, each component divided by it), so that a vector normalized by the {@link Embedder} and one
 * normalized later by a server are the same bits.
 */
public final class UnitLength {

    private UnitLength() {
    }

    /** Scales {@code v} in place to unit L2 norm (an all-zero vector stays as it is); returns {@code v}. */
    public static float[] scale(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int d = 0; d < v.length; d++) {
                v[d] = (float) (v[d] / norm);
            }
        }
        return v;
    }
}
