package dev.tersor.bench.model;

/** Mean pooling of a {@code last_hidden_state} and cosine similarity: how model outputs are compared. */
public final class Pooling {

    private Pooling() {
    }

    /**
     * Mean over the tokens of each sequence of {@code hidden}, {@code [batch][tokens][width]}
     * row-major (every token attended, as in {@link ModelWorkload}).
     */
    public static float[][] mean(float[] hidden, int batch, int tokens) {
        if (hidden.length % ((long) batch * tokens) != 0) {
            throw new IllegalArgumentException(hidden.length + " values are not " + batch + "×" + tokens + "×width");
        }
        int width = hidden.length / (batch * tokens);
        float[][] pooled = new float[batch][width];
        for (int b = 0; b < batch; b++) {
            double[] sum = new double[width];
            for (int t = 0; t < tokens; t++) {
                int base = (b * tokens + t) * width;
                for (int i = 0; i < width; i++) {
                    sum[i] += hidden[base + i];
                }
            }
            for (int i = 0; i < width; i++) {
                pooled[b][i] = (float) (sum[i] / tokens);
            }
        }
        return pooled;
    }

    /**
     * One vector per sequence from a model output of shape {@code shape}: the mean over the tokens of a
     * {@code [batch][tokens][width]} hidden state, else each sequence's row of a {@code [batch][…]}
     * output as it is (a pooled embedding, logits).
     */
    public static float[][] perSequence(float[] values, int[] shape, int batch, int tokens) {
        if (shape.length == 3 && shape[0] == batch && shape[1] == tokens) {
            return mean(values, batch, tokens);
        }
        if (shape.length == 0 || shape[0] != batch || values.length % batch != 0) {
            throw new IllegalArgumentException("an output of shape " + java.util.Arrays.toString(shape)
                    + " has no row per sequence of a batch of " + batch);
        }
        int width = values.length / batch;
        float[][] rows = new float[batch][];
        for (int b = 0; b < batch; b++) {
            rows[b] = java.util.Arrays.copyOfRange(values, b * width, (b + 1) * width);
        }
        return rows;
    }

    /** Cosine of two vectors; NaN if either is all zeros or holds a NaN. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " values");
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** The least cosine between matching rows; NaN (which fails every threshold) if any row is degenerate. */
    public static double minCosine(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " rows against " + b.length);
        }
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < a.length; i++) {
            double c = cosine(a[i], b[i]);
            if (Double.isNaN(c)) {
                return Double.NaN;
            }
            min = Math.min(min, c);
        }
        return min;
    }
}
