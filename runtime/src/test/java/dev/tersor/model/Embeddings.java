package dev.tersor.model;

import dev.tersor.graph.Tensor;

import java.util.Map;

/** Sentence-transformer helpers for the tests: model inputs for token ids, mean pooling, cosine. */
final class Embeddings {

    private Embeddings() {
    }

    /** {@code input_ids}, an all-ones {@code attention_mask} and zero {@code token_type_ids}, batch 1. */
    static Map<String, Tensor> inputs(long[] ids) {
        long[] ones = new long[ids.length];
        java.util.Arrays.fill(ones, 1);
        return Map.of("input_ids", Tensor.ofLongs(ids, 1, ids.length),
                "attention_mask", Tensor.ofLongs(ones, 1, ids.length),
                "token_type_ids", Tensor.ofLongs(new long[ids.length], 1, ids.length));
    }

    /** Mean over tokens of a {@code [1, seq, dim]} output, L2-normalized (what LangChain4j does). */
    static float[] meanPooled(Tensor hidden) {
        int seq = hidden.dim(1);
        int dim = hidden.dim(2);
        float[] h = hidden.toFloatArray();
        double[] sum = new double[dim];
        for (int t = 0; t < seq; t++) {
            for (int d = 0; d < dim; d++) {
                sum[d] += h[t * dim + d];
            }
        }
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            sum[d] /= seq;
            norm += sum[d] * sum[d];
        }
        norm = Math.sqrt(norm);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (sum[d] / norm);
        }
        return v;
    }

    static double cosine(float[] a, float[] b) {
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

    static float maxAbsDiff(Tensor a, Tensor b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        if (x.length != y.length) {
            throw new AssertionError("sizes differ: " + a + " vs " + b);
        }
        float max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }
}
