package dev.tersor.compress.quant;

import dev.tersor.compress.ProgressListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One-dimensional k-means: k-means++ seeding, then exact Lloyd iterations over sorted data, or
 * Sculley's mini-batch updates. Centers are returned sorted and distinct; there may be fewer than k
 * when the data has fewer distinct values.
 */
final class KMeans1D {

    /** Points k-means++ seeds from: all of them when there are fewer. */
    static final int INIT_SAMPLE = 100_000;

    private KMeans1D() {
    }

    /** Lloyd's algorithm until the assignment stops changing or {@code maxIterations} pass. */
    static double[] lloyd(SortedValues data, int k, SplittableRandom random, int maxIterations,
                          ProgressListener progress) {
        int n = data.size();
        double[] sample;
        if (n <= INIT_SAMPLE) {
            sample = new double[n];
            for (int i = 0; i < n; i++) {
                sample[i] = data.get(i);
            }
        } else {
            sample = new double[INIT_SAMPLE];
            for (int i = 0; i < sample.length; i++) {
                sample[i] = data.get(random.nextInt(n));
            }
        }
        double[] centers = plusPlus(sample, k, random);
        int[] previousCuts = null;
        progress.progress("k-means", 0, maxIterations);
        for (int it = 0; it < maxIterations && centers.length > 0; it++) {
            int[] cuts = cuts(data, centers);
            if (Arrays.equals(cuts, previousCuts)) {
                break;
            }
            centers = update(data, centers, cuts);
            previousCuts = cuts;
            progress.progress("k-means", it + 1, maxIterations);
        }
        progress.progress("k-means", maxIterations, maxIterations);
        return centers;
    }

    /** The end of each center's interval but the last: points ≤ the midpoint go to the left center. */
    private static int[] cuts(SortedValues data, double[] centers) {
        int[] cuts = new int[centers.length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = data.upperBound(0.5 * (centers[i] + centers[i + 1]));
        }
        return cuts;
    }

    /**
     * Means of the intervals; an empty cluster is moved to the point farthest from its center, so the
     * number of centers only drops when every point already sits on a center.
     */
    private static double[] update(SortedValues data, double[] centers, int[] cuts) {
        int k = centers.length;
        List<double[]> candidates = new ArrayList<>(); // {value, squared distance to its center}
        double[] next = new double[k];
        int filled = 0;
        for (int i = 0; i < k; i++) {
            int from = i == 0 ? 0 : cuts[i - 1];
            int to = i == k - 1 ? data.size() : cuts[i];
            if (to > from) {
                double mean = data.sum(from, to) / (to - from);
                next[filled++] = mean;
                candidates.add(new double[]{data.get(from), square(data.get(from) - mean)});
                candidates.add(new double[]{data.get(to - 1), square(data.get(to - 1) - mean)});
            }
        }
        int empty = k - filled;
        if (empty > 0) {
            candidates.sort((a, b) -> Double.compare(b[1], a[1]));
            for (double[] c : candidates) {
                if (empty == 0 || c[1] == 0) {
                    break;
                }
                if (!contains(next, filled, c[0])) {
                    next[filled++] = c[0];
                    empty--;
                }
            }
        }
        double[] result = Arrays.copyOf(next, filled);
        Arrays.sort(result);
        return result;
    }

    /** Mini-batch k-means: {@code iterations} batches of {@code batchSize} points drawn with replacement. */
    static double[] miniBatch(float[] values, int k, SplittableRandom random, int batchSize, int iterations,
                              ProgressListener progress) {
        int n = values.length;
        if (n == 0) {
            return new double[0];
        }
        double[] sample = new double[Math.min(n, INIT_SAMPLE)];
        for (int i = 0; i < sample.length; i++) {
            sample[i] = values[sample.length == n ? i : random.nextInt(n)];
        }
        double[] centers = plusPlus(sample, k, random);
        long[] counts = new long[centers.length];
        double[] batchSum = new double[centers.length];
        long[] batchCount = new long[centers.length];
        double[] bounds = new double[centers.length - 1];
        progress.progress("k-means (mini-batch)", 0, iterations);
        for (int it = 0; it < iterations; it++) {
            for (int i = 0; i < bounds.length; i++) {
                bounds[i] = 0.5 * (centers[i] + centers[i + 1]);
            }
            Arrays.fill(batchSum, 0);
            Arrays.fill(batchCount, 0);
            for (int b = 0; b < batchSize; b++) {
                double x = values[random.nextInt(n)];
                int j = lowerBound(bounds, x);
                batchSum[j] += x;
                batchCount[j]++;
            }
            // Per-center learning rate 1/count: each center is the running mean of the points it won.
            for (int j = 0; j < centers.length; j++) {
                if (batchCount[j] > 0) {
                    counts[j] += batchCount[j];
                    centers[j] += (batchSum[j] - batchCount[j] * centers[j]) / counts[j];
                }
            }
            sortTogether(centers, counts);
            progress.progress("k-means (mini-batch)", it + 1, iterations);
        }
        return fullStep(values, centers);
    }

    /**
     * One Lloyd step over all values, without sorting them: the mean of the values nearest to each
     * center. It corrects the noise mini-batches leave in the centers for one O(n log k) pass; centers
     * that win no value are dropped.
     */
    private static double[] fullStep(float[] values, double[] centers) {
        double[] bounds = new double[centers.length - 1];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = 0.5 * (centers[i] + centers[i + 1]);
        }
        double[] sums = new double[centers.length];
        long[] counts = new long[centers.length];
        for (float v : values) {
            int j = lowerBound(bounds, v);
            sums[j] += v;
            counts[j]++;
        }
        double[] means = new double[centers.length];
        int m = 0;
        for (int j = 0; j < centers.length; j++) {
            if (counts[j] > 0) {
                means[m++] = sums[j] / counts[j];
            }
        }
        double[] result = Arrays.copyOf(means, m);
        Arrays.sort(result);
        return result;
    }

    /** Index of the first bound ≥ x: points on a bound go to the left center. */
    private static int lowerBound(double[] bounds, double x) {
        int lo = 0;
        int hi = bounds.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (bounds[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static void sortTogether(double[] centers, long[] counts) {
        for (int i = 1; i < centers.length; i++) {
            double c = centers[i];
            long n = counts[i];
            int j = i - 1;
            while (j >= 0 && centers[j] > c) {
                centers[j + 1] = centers[j];
                counts[j + 1] = counts[j];
                j--;
            }
            centers[j + 1] = c;
            counts[j + 1] = n;
        }
    }

    /**
     * k-means++ seeding: the first center uniformly, each next one with probability proportional to
     * its squared distance to the nearest chosen center. Stops early when every point is a center.
     */
    static double[] plusPlus(double[] points, int k, SplittableRandom random) {
        int m = points.length;
        if (m == 0) {
            return new double[0];
        }
        double[] centers = new double[k];
        double[] d2 = new double[m];
        Arrays.fill(d2, Double.POSITIVE_INFINITY);
        int chosen = 0;
        double next = points[random.nextInt(m)];
        while (true) {
            centers[chosen++] = next;
            double total = 0;
            for (int i = 0; i < m; i++) {
                double d = points[i] - next;
                d2[i] = Math.min(d2[i], d * d);
                total += d2[i];
            }
            if (chosen == k || total <= 0) {
                break;
            }
            double target = random.nextDouble() * total;
            int pick = -1;
            double cumulative = 0;
            for (int i = 0; i < m; i++) {
                if (d2[i] > 0) {
                    pick = i;
                    cumulative += d2[i];
                    if (cumulative > target) {
                        break;
                    }
                }
            }
            next = points[pick];
        }
        double[] result = Arrays.copyOf(centers, chosen);
        Arrays.sort(result);
        return result;
    }

    private static boolean contains(double[] values, int length, double x) {
        for (int i = 0; i < length; i++) {
            if (values[i] == x) {
                return true;
            }
        }
        return false;
    }

    private static double square(double x) {
        return x * x;
    }
}
