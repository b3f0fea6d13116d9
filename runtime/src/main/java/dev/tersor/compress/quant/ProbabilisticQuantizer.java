package dev.tersor.compress.quant;

import dev.tersor.compress.ProgressListener;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

import java.util.SplittableRandom;

/**
 * Probabilistic weight sharing (PWS, methods.md §2.6): the representatives are the empirical
 * quantiles of the non-zeros at levels i/(k−1), so the smallest and largest are included, and a
 * non-zero t between neighbours v_i < t < v_{i+1} becomes v_{i+1} with probability
 * (t − v_i)/(v_{i+1} − v_i), else v_i. The rounding is unbiased: E[t̂] = t. Under {@link Scope#ROW}
 * this holds for the normalized values, hence for the weights up to the float rounding of s_r · v.
 *
 * <p>Draws come from a {@link SplittableRandom} seeded with {@code seed}, one per non-zero that is
 * not a representative, in row-major order: the same seed gives the same matrix.
 *
 * @param k     number of representatives (quantile levels), 2 to 65 536
 * @param scope one set of representatives for the matrix, or one shared over normalized rows
 * @param seed  seed of the rounding draws
 */
public record ProbabilisticQuantizer(int k, Scope scope, long seed) implements Quantizer {

    public ProbabilisticQuantizer {
        if (k < 2 || k > KMeansQuantizer.MAX_K) {
            throw new IllegalArgumentException("k must be in [2, " + KMeansQuantizer.MAX_K + "], got " + k);
        }
        if (scope == null) {
            throw new IllegalArgumentException("scope is null");
        }
    }

    @Override
    public QuantizationGrid fit(DenseMatrixView weights, ProgressListener progress) {
        return grid(Weights.nonZeros(Weights.copyFinite(weights), weights.rows(), weights.cols(), scope));
    }

    @Override
    public QuantizedMatrix quantize(DenseMatrixView weights, ProgressListener progress) {
        int rows = weights.rows();
        int cols = weights.cols();
        float[] w = Weights.copyFinite(weights);
        Weights.NonZeros nz = Weights.nonZeros(w, rows, cols, scope);
        QuantizationGrid grid = grid(nz);
        float[] reps = representatives(grid);
        int[] repCodes = new int[reps.length];
        for (int i = 0; i < reps.length; i++) {
            repCodes[i] = grid.codeOf(reps[i]);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] codes = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            if (w[i] == 0f) {
                codes[i] = grid.zeroCode();
                continue;
            }
            float t = nz.normalize(i / cols, w[i]);
            int lo = floorIndex(reps, t);
            if (lo == reps.length - 1 || reps[lo] == t) {
                codes[i] = repCodes[lo];
            } else if (lo < 0) {
                codes[i] = repCodes[0];
            } else {
                double up = ((double) t - reps[lo]) / ((double) reps[lo + 1] - reps[lo]);
                codes[i] = repCodes[random.nextDouble() < up ? lo + 1 : lo];
            }
        }
        return grid.toMatrix(rows, cols, codes);
    }

    private QuantizationGrid grid(Weights.NonZeros nz) {
        if (nz.values().length == 0) {
            return QuantizationGrid.ofRepresentatives(new double[0], nz.scales());
        }
        SortedValues sorted = new SortedValues(nz.values());
        double[] quantiles = new double[k];
        for (int i = 0; i < k; i++) {
            quantiles[i] = sorted.quantile((double) i / (k - 1));
        }
        return QuantizationGrid.ofRepresentatives(quantiles, nz.scales());
    }

    /** The grid's levels other than the zero symbol (0 itself if it was a fitted quantile). */
    private static float[] representatives(QuantizationGrid grid) {
        int n = grid.size() - (grid.zeroAssignable() ? 0 : 1);
        float[] reps = new float[n];
        for (int code = 0, i = 0; code < grid.size(); code++) {
            if (code != grid.zeroCode() || grid.zeroAssignable()) {
                reps[i++] = grid.level(code);
            }
        }
        return reps;
    }

    /** Index of the last representative ≤ t, or -1. */
    private static int floorIndex(float[] reps, float t) {
        int lo = 0;
        int hi = reps.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (reps[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }
}
