package dev.tersor.synthetic;

/** How often each of the K distinct non-zero values of a synthetic matrix occurs. */
public enum ValueDistribution {
    /** Every value equally likely. */
    UNIFORM,
    /**
     * Laplace-like: values of small magnitude dominate, as after quantizing trained weights. The value
     * of magnitude level m has weight {@code exp(−(m − 1)/s)} with {@code s = max(1, K/8)}.
     */
    PEAKED;

    /** Unnormalised weights of values {@code 0 .. k−1}, ordered as {@link MatrixGenerator#levels} orders them. */
    double[] weights(int k) {
        double[] weights = new double[k];
        double spread = Math.max(1.0, k / 8.0);
        for (int i = 0; i < k; i++) {
            int magnitude = i / 2 + 1;
            weights[i] = this == UNIFORM ? 1.0 : Math.exp(-(magnitude - 1) / spread);
        }
        return weights;
    }
}
