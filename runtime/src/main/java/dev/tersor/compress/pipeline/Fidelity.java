package dev.tersor.compress.pipeline;

import dev.tersor.graph.Tensor;
import dev.tersor.model.Model;

import java.util.List;

/**
 * How close a model's sentence embeddings (mean over tokens of output 0, L2-normalized) stay to a
 * reference's: mean and minimum cosine, and top-10 neighbour overlap within the sentence set.
 *
 * @param meanCosine   mean over sentences of cos(reference, candidate)
 * @param minCosine    the smallest of those cosines
 * @param top10Overlap mean over sentences of |top10_ref ∩ top10_cand| / 10 (neighbours among the
 *                     other sentences by cosine); NaN with fewer than 11 sentences
 * @param sentences    number of sentences
 */
public record Fidelity(double meanCosine, double minCosine, double top10Overlap, int sentences) {

    /** Mean-pooled, normalized embeddings of each sentence, batch 1. */
    public static float[][] embed(Model model, List<long[]> sentences) {
        float[][] out = new float[sentences.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = meanPooled(model.run(ModelInputs.of(model, sentences.get(i))).get(model.outputs().getFirst()));
        }
        return out;
    }

    static float[] meanPooled(Tensor hidden) {
        int dim = hidden.dim(hidden.rank() - 1);
        int tokens = hidden.size() / dim;
        float[] h = hidden.toFloatArray();
        double[] sum = new double[dim];
        for (int t = 0; t < tokens; t++) {
            for (int d = 0; d < dim; d++) {
                sum[d] += h[t * dim + d];
            }
        }
        double norm = 0;
        for (double s : sum) {
            norm += s * s;
        }
        norm = Math.sqrt(norm);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = norm == 0 ? 0 : (float) (sum[d] / norm);
        }
        return v;
    }

    /** Compares embeddings of the same sentences, row by row. */
    public static Fidelity compare(float[][] reference, float[][] candidate) {
        if (reference.length != candidate.length || reference.length == 0) {
            throw new IllegalArgumentException("need the same, non-zero number of embeddings, got "
                    + reference.length + " and " + candidate.length);
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < reference.length; i++) {
            double c = cosine(reference[i], candidate[i]);
            sum += c;
            min = Math.min(min, c);
        }
        double overlap = Double.NaN;
        if (reference.length > 10) {
            double total = 0;
            for (int i = 0; i < reference.length; i++) {
                int[] a = top10(reference, i);
                int[] b = top10(candidate, i);
                int common = 0;
                for (int x : a) {
                    for (int y : b) {
                        if (x == y) {
                            common++;
                        }
                    }
                }
                total += common / 10.0;
            }
            overlap = total / reference.length;
        }
        return new Fidelity(sum / reference.length, min, overlap, reference.length);
    }

    private static int[] top10(float[][] e, int i) {
        int[] best = new int[10];
        double[] score = new double[10];
        java.util.Arrays.fill(score, Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(best, -1);
        for (int j = 0; j < e.length; j++) {
            if (j == i) {
                continue;
            }
            double s = cosine(e[i], e[j]);
            if (s > score[9]) {
                int p = 9;
                while (p > 0 && score[p - 1] < s) {
                    score[p] = score[p - 1];
                    best[p] = best[p - 1];
                    p--;
                }
                score[p] = s;
                best[p] = j;
            }
        }
        return best;
    }

    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
