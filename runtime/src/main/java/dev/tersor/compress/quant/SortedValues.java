package dev.tersor.compress.quant;

import java.util.Arrays;

/**
 * Sorted one-dimensional data with prefix sums of values and squares. In one dimension every
 * cluster of an optimal assignment (nearest centroid, or the entropy-constrained rule) is an interval
 * of the sorted data, so a Lloyd iteration is a binary search per boundary and a few subtractions:
 * O(K log n) instead of O(K n).
 */
final class SortedValues {

    private final float[] sorted;
    private final double[] sum;
    private final double[] sumSq;

    SortedValues(float[] values) {
        sorted = values.clone();
        Arrays.sort(sorted);
        sum = new double[sorted.length + 1];
        sumSq = new double[sorted.length + 1];
        for (int i = 0; i < sorted.length; i++) {
            double v = sorted[i];
            sum[i + 1] = sum[i] + v;
            sumSq[i + 1] = sumSq[i] + v * v;
        }
    }

    int size() {
        return sorted.length;
    }

    double get(int i) {
        return sorted[i];
    }

    /** Index of the first value greater than {@code x}. */
    int upperBound(double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    double sum(int from, int to) {
        return sum[to] - sum[from];
    }

    /** Σ (x − c)² over {@code [from, to)}, never negative. */
    double squaredError(int from, int to, double c) {
        double e = (sumSq[to] - sumSq[from]) - 2 * c * (sum[to] - sum[from]) + (to - from) * c * c;
        return Math.max(0, e);
    }

    /** Variance of all values (0 when empty). */
    double variance() {
        int n = sorted.length;
        if (n == 0) {
            return 0;
        }
        double mean = sum[n] / n;
        return Math.max(0, sumSq[n] / n - mean * mean);
    }

    /** The empirical quantile at level {@code q} ∈ [0, 1], linearly interpolated like NumPy's default. */
    double quantile(double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * ((double) sorted[hi] - sorted[lo]);
    }
}
