package dev.tersor.train;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Weight sharing (methods.md §2.6): every kept weight is one of {@code k} shared values, pruned ones
 * are exactly 0 (a separate symbol, so sparse formats can drop it). Training moves the shared values
 * only, each by the summed gradient of its members, {@code ∂L/∂c_ℓ = Σ_{I_ij = ℓ} ∂L/∂w_ij}; the
 * assignment and the pruning mask stay fixed.
 */
public final class SharedWeight implements WeightForm {

    private final Parameter centroids;
    /** Per weight: its shared value's index, or −1 where pruned; a float array so a checkpoint holds it. */
    private final float[] assignment;
    private final int[] shape;

    private SharedWeight(Parameter centroids, float[] assignment, int[] shape) {
        this.centroids = centroids;
        this.assignment = assignment;
        this.shape = shape.clone();
    }

    /**
     * Cluster-based sharing (CWS): one-dimensional k-means over the kept weights, centroids starting
     * evenly spaced between the smallest and the largest (Deep Compression found this start best for
     * the large weights that matter most), iterated until no assignment changes (at most 100 rounds).
     */
    public static SharedWeight clustered(String name, float[] w, int[] shape, boolean[] kept, int k) {
        double[] values = keptValues(w, kept);
        checkClusters(k, values.length);
        double min = Arrays.stream(values).min().orElse(0);
        double max = Arrays.stream(values).max().orElse(0);
        double[] c = new double[k];
        for (int i = 0; i < k; i++) {
            c[i] = k == 1 ? (min + max) / 2 : min + (max - min) * i / (k - 1);
        }
        int[] member = new int[values.length];
        Arrays.fill(member, -1);
        for (int round = 0; round < 100; round++) {
            boolean changed = false;
            double[] sum = new double[k];
            int[] count = new int[k];
            for (int i = 0; i < values.length; i++) {
                int nearest = nearest(c, values[i]);
                changed |= nearest != member[i];
                member[i] = nearest;
                sum[nearest] += values[i];
                count[nearest]++;
            }
            for (int j = 0; j < k; j++) {
                if (count[j] > 0) {
                    c[j] = sum[j] / count[j];
                }
            }
            Arrays.sort(c);
            if (!changed) {
                break;
            }
        }
        float[] centroids = new float[k];
        for (int j = 0; j < k; j++) {
            centroids[j] = (float) c[j];
        }
        return assign(name, w, shape, kept, centroids, (value, i) -> nearest(c, value));
    }

    /**
     * Probabilistic sharing (PWS): the shared values are the kept weights' quantiles at
     * {@code i/(k−1)} (so the extremes are included), and each weight rounds to one of the two values
     * around it at random, up with probability {@code (w − v_i)/(v_{i+1} − v_i)}: unbiased,
     * {@code E[ŵ] = w}.
     */
    public static SharedWeight probabilistic(String name, float[] w, int[] shape, boolean[] kept, int k,
                                             SplittableRandom random) {
        double[] values = keptValues(w, kept);
        checkClusters(k, values.length);
        if (k < 2) {
            throw new IllegalArgumentException("probabilistic sharing needs at least 2 values, got " + k);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double[] v = new double[k];
        for (int i = 0; i < k; i++) {
            double position = (double) i / (k - 1) * (sorted.length - 1);
            int below = (int) Math.floor(position);
            v[i] = below + 1 < sorted.length ? sorted[below] + (position - below) * (sorted[below + 1] - sorted[below]) : sorted[below];
        }
        float[] centroids = new float[k];
        for (int j = 0; j < k; j++) {
            centroids[j] = (float) v[j];
        }
        return assign(name, w, shape, kept, centroids, (value, i) -> {
            int upper = 1;
            while (upper < k - 1 && v[upper] < value) {
                upper++;
            }
            int lower = upper - 1;
            if (value <= v[lower]) {
                return lower;
            }
            if (value >= v[upper] || v[upper] == v[lower]) {
                return upper;
            }
            return random.nextDouble() < (value - v[lower]) / (v[upper] - v[lower]) ? upper : lower;
        });
    }

    private interface Rule {
        int index(double value, int i);
    }

    private static SharedWeight assign(String name, float[] w, int[] shape, boolean[] kept, float[] centroids, Rule rule) {
        float[] assignment = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            assignment[i] = kept[i] ? rule.index(w[i], i) : -1;
        }
        return new SharedWeight(new Parameter(name + ".shared", Parameter.Kind.WEIGHT, centroids, centroids.length),
                assignment, shape);
    }

    private static void checkClusters(int k, int kept) {
        if (k < 1 || k > 65_536) {
            throw new IllegalArgumentException("shared values must number 1 to 65536, got " + k);
        }
        if (kept == 0) {
            throw new IllegalArgumentException("no weight is left to share");
        }
    }

    private static double[] keptValues(float[] w, boolean[] kept) {
        return java.util.stream.IntStream.range(0, w.length).filter(i -> kept[i]).mapToDouble(i -> w[i]).toArray();
    }

    /** The index of the centroid nearest {@code value} among sorted centroids (the lower on a tie). */
    private static int nearest(double[] sorted, double value) {
        int at = Arrays.binarySearch(sorted, value);
        if (at >= 0) {
            return at;
        }
        int above = -at - 1;
        if (above == 0) {
            return 0;
        }
        if (above == sorted.length) {
            return sorted.length - 1;
        }
        return value - sorted[above - 1] <= sorted[above] - value ? above - 1 : above;
    }

    public Parameter sharedValues() {
        return centroids;
    }

    /** Bits of an index into the shared values. */
    public int indexBits() {
        return 32 - Integer.numberOfLeadingZeros(Math.max(1, centroids.size() - 1));
    }

    /** The share of weights not pruned. */
    public double density() {
        long kept = 0;
        for (float a : assignment) {
            kept += a >= 0 ? 1 : 0;
        }
        return kept / (double) assignment.length;
    }

    @Override
    public Variable weights(Tape tape) {
        float[] y = values();
        Variable result = Tape.output(y, shape, centroids);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dc = centroids.gradient();
            for (int i = 0; i < dy.length; i++) {
                int a = (int) assignment[i];
                if (a >= 0) {
                    dc[a] += dy[i];
                }
            }
        }, centroids);
        return result;
    }

    @Override
    public float[] values() {
        float[] c = centroids.value();
        float[] y = new float[assignment.length];
        for (int i = 0; i < y.length; i++) {
            int a = (int) assignment[i];
            y[i] = a >= 0 ? c[a] : 0;
        }
        return y;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(centroids);
    }

    @Override
    public Map<String, float[]> state() {
        return Map.of(centroids.name() + ".assignment", assignment);
    }

    @Override
    public QuantizedMatrix stored(int[] rows, int[] columns) {
        return QuantizedMatrix.fromDense(DenseMatrixView.of(rows.length, columns.length,
                PrunedWeight.gather(values(), shape[1], rows, columns)));
    }
}
