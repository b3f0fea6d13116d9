package dev.tersor.compress.quant;

import dev.tersor.compress.ProgressListener;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

import java.util.SplittableRandom;

/**
 * Cluster-based weight sharing (CWS, methods.md §2.6): k-means over the non-zeros (normalized per row
 * under {@link Scope#ROW}), then every non-zero takes its nearest centroid. Zeros keep their own
 * symbol, and no non-zero becomes 0 unless a centroid is exactly 0.
 *
 * <p>Seeding is k-means++ on at most 100 000 of the values. By default exact Lloyd iterations follow,
 * over the sorted values: each costs O(K log n) (see {@link SortedValues}) after one O(n log n) sort,
 * and it needs three extra arrays of n entries. The mini-batch variant (scikit-learn's
 * {@code MiniBatchKMeans}, which sHAM uses) runs {@code maxIterations} batches of
 * {@code miniBatchSize} values drawn with replacement, then one full Lloyd step, and needs no copy of
 * the data. Measured on a 30 522 × 384 Laplace table with K = 256, sorted Lloyd was no slower (about
 * 1.5–3 s either way on this shared machine) and its squared error 10 % lower, so Lloyd is the
 * default at every size and mini-batches are for when memory is short.
 *
 * @param k             maximum number of centroids (non-zero values), 1 to 65 536
 * @param scope         one codebook for the matrix, or one shared over rows divided by their scales
 * @param seed          seed of the k-means++ draws and the batches
 * @param maxIterations Lloyd iterations (fewer if the assignment stops changing), or mini-batches
 * @param miniBatchSize values per mini-batch, or 0 for Lloyd
 */
public record KMeansQuantizer(int k, Scope scope, long seed, int maxIterations, int miniBatchSize)
        implements Quantizer {

    public static final int MAX_K = 1 << 16;

    public KMeansQuantizer {
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("k must be in [1, " + MAX_K + "], got " + k);
        }
        if (scope == null) {
            throw new IllegalArgumentException("scope is null");
        }
        if (maxIterations < 1 || miniBatchSize < 0) {
            throw new IllegalArgumentException("iterations must be positive and the batch size non-negative");
        }
    }

    /** Lloyd, up to 300 iterations. */
    public static KMeansQuantizer of(int k, Scope scope, long seed) {
        return new KMeansQuantizer(k, scope, seed, 300, 0);
    }

    public KMeansQuantizer withMaxIterations(int iterations) {
        return new KMeansQuantizer(k, scope, seed, iterations, miniBatchSize);
    }

    /** Mini-batches of {@code batchSize} values instead of Lloyd iterations. */
    public KMeansQuantizer withMiniBatch(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        return new KMeansQuantizer(k, scope, seed, maxIterations, batchSize);
    }

    @Override
    public QuantizationGrid fit(DenseMatrixView weights, ProgressListener progress) {
        return fit(Weights.copyFinite(weights), weights.rows(), weights.cols(), progress);
    }

    @Override
    public QuantizedMatrix quantize(DenseMatrixView weights, ProgressListener progress) {
        float[] w = Weights.copyFinite(weights);
        return fit(w, weights.rows(), weights.cols(), progress).roundToNearest(w, weights.rows(), weights.cols());
    }

    private QuantizationGrid fit(float[] w, int rows, int cols, ProgressListener progress) {
        Weights.NonZeros nz = Weights.nonZeros(w, rows, cols, scope);
        SplittableRandom random = new SplittableRandom(seed);
        double[] centers = miniBatchSize > 0
                ? KMeans1D.miniBatch(nz.values(), k, random, miniBatchSize, maxIterations, progress)
                : KMeans1D.lloyd(new SortedValues(nz.values()), k, random, maxIterations, progress);
        return QuantizationGrid.ofRepresentatives(centers, nz.scales());
    }
}
