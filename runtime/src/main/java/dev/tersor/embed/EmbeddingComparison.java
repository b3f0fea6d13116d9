package dev.tersor.embed;

import java.util.List;
import java.util.Objects;

/**
 * How closely one model's embeddings agree with a reference model's over the same texts: the mean
 * and minimum cosine between paired vectors, and the overlap of each text's nearest neighbours
 * (by cosine, among the other texts of the same corpus) under the two models.
 *
 * @param meanCosine   mean over texts of cos(evaluated, reference)
 * @param minCosine    the smallest such cosine
 * @param p1Cosine     the first percentile of those cosines (nearest rank: the ⌈n/100⌉-th smallest),
 *                     the floor that all but the worst one text in a hundred clear
 * @param top10Overlap mean over texts of |N_eval ∩ N_ref| / k, with N the k = min(10, n − 1) nearest
 *                     other texts; 1 when fewer than two texts
 * @param sentences    number of texts compared
 */
public record EmbeddingComparison(double meanCosine, double minCosine, double p1Cosine, double top10Overlap, int sentences) {

    /** Neighbours compared per text. */
    public static final int NEIGHBOURS = 10;

    /** Embeds {@code texts} with both embedders and compares them. */
    public static EmbeddingComparison of(Embedder evaluated, Embedder reference, List<String> texts) {
        return of(evaluated.embed(texts), reference.embed(texts));
    }

    /** Compares paired embeddings ({@code evaluated[i]} against {@code reference[i]}). */
    public static EmbeddingComparison of(float[][] evaluated, float[][] reference) {
        Objects.requireNonNull(evaluated, "evaluated");
        Objects.requireNonNull(reference, "reference");
        if (evaluated.length != reference.length) {
            throw new IllegalArgumentException(evaluated.length + " evaluated embeddings against " + reference.length
                    + " reference ones");
        }
        int n = evaluated.length;
        if (n == 0) {
            throw new IllegalArgumentException("no embeddings to compare");
        }
        double[][] a = unit(evaluated);
        double[][] b = unit(reference);
        double sum = 0;
        double[] cosines = new double[n];
        for (int i = 0; i < n; i++) {
            if (a[i].length != b[i].length) {
                throw new IllegalArgumentException("embedding " + i + " has " + a[i].length + " dimensions against "
                        + b[i].length);
            }
            cosines[i] = dot(a[i], b[i]);
            sum += cosines[i];
        }
        return new EmbeddingComparison(sum / n, percentile(cosines, 0), percentile(cosines, 1), neighbourOverlap(a, b), n);
    }

    /**
     * The {@code p}-th percentile of {@code values} by nearest rank: the ⌈p·n/100⌉-th smallest value,
     * the smallest for {@code p = 0}; always one of the values, never an interpolation.
     */
    static double percentile(double[] values, double p) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile outside [0, 100]: " + p);
        }
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int rank = (int) Math.ceil(p * sorted.length / 100);
        return sorted[Math.max(rank, 1) - 1];
    }

    /** Mean overlap of the k nearest other texts (k = min(10, n − 1)) under the two sets of unit vectors. */
    private static double neighbourOverlap(double[][] a, double[][] b) {
        int n = a.length;
        int k = Math.min(NEIGHBOURS, n - 1);
        if (k <= 0) {
            return 1;
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            int[] na = nearest(a, i, k);
            int[] nb = nearest(b, i, k);
            int common = 0;
            for (int x : na) {
                for (int y : nb) {
                    if (x == y) {
                        common++;
                        break;
                    }
                }
            }
            total += (double) common / k;
        }
        return total / n;
    }

    /** Indices of the {@code k} vectors most similar to {@code v[i]}, excluding i; ties go to the lower index. */
    static int[] nearest(double[][] v, int i, int k) {
        int[] best = new int[k];
        double[] score = new double[k];
        int filled = 0;
        for (int j = 0; j < v.length; j++) {
            if (j == i) {
                continue;
            }
            double s = dot(v[i], v[j]);
            int p;
            if (filled < k) {
                p = filled++;
            } else if (s > score[k - 1]) {
                p = k - 1;
            } else {
                continue;
            }
            while (p > 0 && score[p - 1] < s) {
                score[p] = score[p - 1];
                best[p] = best[p - 1];
                p--;
            }
            score[p] = s;
            best[p] = j;
        }
        return best;
    }

    private static double[][] unit(float[][] vectors) {
        double[][] out = new double[vectors.length][];
        for (int i = 0; i < vectors.length; i++) {
            float[] v = Objects.requireNonNull(vectors[i], "embedding " + i + " is null");
            double norm = 0;
            for (float x : v) {
                norm += (double) x * x;
            }
            norm = Math.sqrt(norm);
            out[i] = new double[v.length];
            for (int d = 0; d < v.length; d++) {
                out[i][d] = norm == 0 ? 0 : v[d] / norm;
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            s += a[d] * b[d];
        }
        return s;
    }
}
