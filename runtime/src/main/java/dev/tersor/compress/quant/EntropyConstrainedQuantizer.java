package dev.tersor.compress.quant;

import dev.tersor.compress.ProgressListener;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

import java.util.Arrays;

/**
 * Entropy-constrained scalar quantization (ECSQ, methods.md §2.6): clusters that minimize distortion
 * plus λ times the ideal code length, J = mean over non-zeros of (w − c_i)² − λ·ln p_i.
 *
 * <p>As in sHAM, it starts from 3k clusters, the means of equal-count chunks of the sorted values,
 * and alternates the assignment argmin_i (w − c_i)² − λ·ln p_i with the update of each c_i (mean)
 * and p_i (share), dropping clusters that empty. Unlike sHAM's, which stops once k clusters remain,
 * it iterates until J stops decreasing and only then, while more than k clusters remain, merges the
 * two neighbours whose merge raises J least and continues; so the result has at most k values and
 * is a converged Lagrangian solution.
 *
 * <p>λ is relative to the variance σ² of the (normalized) non-zeros, so one value means the same
 * trade-off on every layer; λ = 0 is k-means from that start. At high rates the optimum is close to
 * a uniform step Δ with λ ≈ Δ²/(6σ²) (the slope of D ≈ Δ²/12 against the rate in nats), so
 * λ = 0.01 behaves like a step of a quarter σ, and K then only caps the alphabet.
 *
 * <p>In one dimension each assignment region is an interval: the regions are the pieces of the lower
 * envelope of the lines −2c_i·w + c_i² − λ·ln p_i, so an iteration costs O(k log n). Deterministic,
 * no seed. Every non-zero gets the cluster the Lagrangian rule picks, which need not be the nearest.
 *
 * @param k             maximum number of non-zero values, 1 to 65 536
 * @param lambda        rate weight relative to the variance of the values, ≥ 0
 * @param scope         one codebook for the matrix, or one shared over normalized rows
 * @param maxIterations iterations per phase (the first, and each after a merge)
 */
public record EntropyConstrainedQuantizer(int k, double lambda, Scope scope, int maxIterations) implements Quantizer {

    private static final double RELATIVE_TOLERANCE = 1e-9;

    public EntropyConstrainedQuantizer {
        if (k < 1 || k > KMeansQuantizer.MAX_K) {
            throw new IllegalArgumentException("k must be in [1, " + KMeansQuantizer.MAX_K + "], got " + k);
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and non-negative, got " + lambda);
        }
        if (scope == null || maxIterations < 1) {
            throw new IllegalArgumentException("scope is null or maxIterations < 1");
        }
    }

    /** Up to 100 iterations per phase. */
    public static EntropyConstrainedQuantizer of(int k, double lambda, Scope scope) {
        return new EntropyConstrainedQuantizer(k, lambda, scope, 100);
    }

    @Override
    public QuantizationGrid fit(DenseMatrixView weights, ProgressListener progress) {
        Weights.NonZeros nz = Weights.nonZeros(Weights.copyFinite(weights), weights.rows(), weights.cols(), scope);
        return QuantizationGrid.ofRepresentatives(solve(nz, progress).centers, nz.scales());
    }

    @Override
    public QuantizedMatrix quantize(DenseMatrixView weights, ProgressListener progress) {
        int rows = weights.rows();
        int cols = weights.cols();
        float[] w = Weights.copyFinite(weights);
        Weights.NonZeros nz = Weights.nonZeros(w, rows, cols, scope);
        Clusters clusters = solve(nz, progress);
        QuantizationGrid grid = QuantizationGrid.ofRepresentatives(clusters.centers, nz.scales());
        int[] hull = clusters.hull();
        double[] breaks = clusters.breakpoints(hull);
        int[] hullCodes = new int[hull.length];
        for (int j = 0; j < hull.length; j++) {
            hullCodes[j] = grid.codeOf((float) clusters.centers[hull[j]]);
        }
        int[] codes = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            codes[i] = w[i] == 0f ? grid.zeroCode()
                    : hullCodes[lowerBound(breaks, nz.normalize(i / cols, w[i]))];
        }
        return grid.toMatrix(rows, cols, codes);
    }

    private Clusters solve(Weights.NonZeros nz, ProgressListener progress) {
        SortedValues data = new SortedValues(nz.values());
        int n = data.size();
        if (n == 0) {
            return new Clusters(new double[0], new double[0], 0);
        }
        double variance = data.variance();
        Clusters clusters = Clusters.equalCountChunks(data, (int) Math.min(3L * k, n),
                variance > 0 ? lambda * variance : 0);
        double previous = Double.POSITIVE_INFINITY;
        int iteration = 0;
        progress.progress("ecsq", 0, maxIterations);
        while (true) {
            double j = clusters.iterate(data);
            iteration++;
            progress.progress("ecsq", Math.min(iteration, maxIterations), maxIterations);
            boolean converged = previous - j <= RELATIVE_TOLERANCE * Math.abs(previous) || iteration >= maxIterations;
            previous = j;
            if (converged) {
                if (clusters.centers.length <= k) {
                    break;
                }
                clusters = clusters.withBestMerge();
                previous = Double.POSITIVE_INFINITY;
                iteration = 0;
            }
        }
        progress.progress("ecsq", maxIterations, maxIterations);
        return clusters;
    }

    /** Index of the first breakpoint ≥ t: values on a breakpoint go to the left cluster. */
    private static int lowerBound(double[] breaks, double t) {
        int lo = 0;
        int hi = breaks.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (breaks[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Clusters with ascending distinct centers and their shares of the values. */
    private static final class Clusters {
        double[] centers;
        double[] shares;
        final double lambda;

        Clusters(double[] centers, double[] shares, double lambda) {
            this.centers = centers;
            this.shares = shares;
            this.lambda = lambda;
        }

        static Clusters equalCountChunks(SortedValues data, int chunks, double lambda) {
            int n = data.size();
            double[] centers = new double[chunks];
            double[] shares = new double[chunks];
            int m = 0;
            for (int i = 0; i < chunks; i++) {
                int from = (int) ((long) i * n / chunks);
                int to = (int) ((long) (i + 1) * n / chunks);
                double mean = data.sum(from, to) / (to - from);
                if (m > 0 && centers[m - 1] == mean) {
                    shares[m - 1] += (double) (to - from) / n;   // equal values: one cluster
                } else {
                    centers[m] = mean;
                    shares[m++] = (double) (to - from) / n;
                }
            }
            return new Clusters(Arrays.copyOf(centers, m), Arrays.copyOf(shares, m), lambda);
        }

        /** Intercept of cluster i's line: its cost at w is w² − 2c_i·w + intercept. */
        double intercept(int i) {
            return centers[i] * centers[i] - lambda * Math.log(shares[i]);
        }

        /**
         * The clusters on the lower envelope, left to right. Lines come in order of decreasing slope
         * −2c_i; the middle of three is useless when the outer two cross left of where it would start.
         */
        int[] hull() {
            int[] stack = new int[centers.length];
            int size = 0;
            for (int i = 0; i < centers.length; i++) {
                while (size >= 2 && crossing(stack[size - 2], i) <= crossing(stack[size - 2], stack[size - 1])) {
                    size--;
                }
                stack[size++] = i;
            }
            return Arrays.copyOf(stack, size);
        }

        /** Where the lines of clusters i < j cross: left of it, i costs less. */
        double crossing(int i, int j) {
            return (intercept(j) - intercept(i)) / (2 * (centers[j] - centers[i]));
        }

        double[] breakpoints(int[] hull) {
            double[] breaks = new double[Math.max(0, hull.length - 1)];
            for (int j = 0; j < breaks.length; j++) {
                breaks[j] = crossing(hull[j], hull[j + 1]);
            }
            return breaks;
        }

        /** One assignment and update; returns J of the assignment, before the update. */
        double iterate(SortedValues data) {
            int n = data.size();
            int[] hull = hull();
            double[] breaks = breakpoints(hull);
            double[] nextCenters = new double[hull.length];
            double[] nextShares = new double[hull.length];
            double cost = 0;
            int m = 0;
            int from = 0;
            for (int j = 0; j < hull.length; j++) {
                int to = j == hull.length - 1 ? n : data.upperBound(breaks[j]);
                if (to > from) {
                    int i = hull[j];
                    cost += data.squaredError(from, to, centers[i]) - (to - from) * lambda * Math.log(shares[i]);
                    nextCenters[m] = data.sum(from, to) / (to - from);
                    nextShares[m++] = (double) (to - from) / n;
                }
                from = Math.max(from, to);
            }
            centers = Arrays.copyOf(nextCenters, m);
            shares = Arrays.copyOf(nextShares, m);
            return cost / n;
        }

        /**
         * These clusters with the two neighbours merged whose merge raises J least: the distortion
         * grows by p_i·p_j/(p_i + p_j)·(c_i − c_j)² (Ward's criterion, per value) and the rate term
         * falls by λ·((p_i + p_j)·ln(p_i + p_j) − p_i·ln p_i − p_j·ln p_j). Ties go to the leftmost pair.
         */
        Clusters withBestMerge() {
            int best = 0;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int i = 0; i + 1 < centers.length; i++) {
                double pi = shares[i];
                double pj = shares[i + 1];
                double d = centers[i + 1] - centers[i];
                double cost = pi * pj / (pi + pj) * d * d
                        + lambda * (pi * Math.log(pi) + pj * Math.log(pj) - (pi + pj) * Math.log(pi + pj));
                if (cost < bestCost) {
                    bestCost = cost;
                    best = i;
                }
            }
            double[] c = new double[centers.length - 1];
            double[] p = new double[centers.length - 1];
            for (int i = 0, j = 0; i < centers.length; i++) {
                if (i == best) {
                    p[j] = shares[i] + shares[i + 1];
                    c[j++] = (shares[i] * centers[i] + shares[i + 1] * centers[i + 1]) / p[j - 1];
                    i++;
                } else {
                    c[j] = centers[i];
                    p[j++] = shares[i];
                }
            }
            return new Clusters(c, p, lambda);
        }
    }
}
