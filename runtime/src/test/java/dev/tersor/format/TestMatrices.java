package dev.tersor.format;

import dev.tersor.synthetic.MatrixGenerator;
import dev.tersor.synthetic.ValueDistribution;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.SplittableRandom;

/** Random test matrices and the dense double-precision reference every kernel is checked against. */
public final class TestMatrices {

    private TestMatrices() {
    }

    /** Settings of one random matrix. {@code scaled} adds per-row scales. */
    public record Case(int rows, int cols, double density, int values, ValueDistribution distribution,
                       boolean scaled, boolean integers, long seed) {

        public QuantizedMatrix matrix() {
            QuantizedMatrix q = MatrixGenerator.builder().rows(rows).cols(cols).density(density).distinctValues(values)
                    .distribution(distribution).integerValues(integers).seed(seed).build().generate();
            if (!scaled) {
                return q;
            }
            return withRowScales(q, seed, integers);
        }

        @Override
        public String toString() {
            return rows + "x" + cols + " d=" + density + " K=" + values + " " + distribution
                    + (scaled ? " scaled" : "") + (integers ? " int" : "") + " seed=" + seed;
        }
    }

    /** The same codes with per-row scales: powers of two for integer matrices (exact), else random. */
    public static QuantizedMatrix withRowScales(QuantizedMatrix q, long seed, boolean exact) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5CA1E);
        float[] scales = new float[q.rows()];
        for (int r = 0; r < scales.length; r++) {
            scales[r] = exact ? (float) Math.scalb(1.0, random.nextInt(-2, 3)) * (random.nextBoolean() ? 1 : -1)
                    : (float) (0.01 + random.nextDouble());
        }
        float[] codebook = new float[q.codebookSize()];
        for (int k = 0; k < codebook.length; k++) {
            codebook[k] = q.codebookValue(k);
        }
        int[] codes = new int[q.rows() * q.cols()];
        for (int r = 0; r < q.rows(); r++) {
            for (int c = 0; c < q.cols(); c++) {
                codes[r * q.cols() + c] = q.code(r, c);
            }
        }
        return QuantizedMatrix.of(q.rows(), q.cols(), codebook, codes, scales);
    }

    /** Shapes from 0x0 and 1x1 up to a few thousand on a side, at most {@code maxEntries} entries. */
    public static Arbitrary<int[]> shapes(int maxEntries) {
        Arbitrary<Integer> side = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 20)),
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(21, 300)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(301, 3000)));
        return Combinators.combine(side, side).as((r, c) -> new int[]{r, c})
                .filter(s -> (long) s[0] * s[1] <= maxEntries);
    }

    /** Densities that matter: none, tiny, half, full, and anything between. */
    public static Arbitrary<Double> densities() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0.0)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(0.001)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(0.5)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(1.0)),
                net.jqwik.api.Tuple.of(3, Arbitraries.doubles().between(0.0, 1.0)));
    }

    /** K from 1 to 1024, small values more often. */
    public static Arbitrary<Integer> distinctValues() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(1, 16)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(17, 256)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(257, 1024)));
    }

    public static Arbitrary<Case> cases(int maxEntries, boolean integers) {
        return Combinators.combine(shapes(maxEntries), densities(), distinctValues(integers ? 16 : 1024),
                        Arbitraries.of(ValueDistribution.class), Arbitraries.of(true, false), Arbitraries.longs())
                .as((shape, density, values, distribution, scaled, seed) ->
                        new Case(shape[0], shape[1], density, values, distribution, scaled, integers, seed));
    }

    private static Arbitrary<Integer> distinctValues(int max) {
        return max >= 1024 ? distinctValues() : Arbitraries.integers().between(1, max);
    }

    /** {@code Y = W·X} in double precision, with X {@code [cols][batch]}. */
    public static double[] reference(float[] w, int rows, int cols, float[] x, int batch) {
        double[] y = new double[rows * batch];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                double wj = w[r * cols + j];
                if (wj != 0) {
                    for (int b = 0; b < batch; b++) {
                        y[r * batch + b] += wj * x[j * batch + b];
                    }
                }
            }
        }
        return y;
    }

    /**
     * Per-output error bound for float32 sums of {@code cols} terms in any order: {@code (n + 8)·2^−23}
     * times the sum of the terms' magnitudes, where the grouped formats' rewrite
     * {@code (ω − ω0)·Σx + ω0·Σx} can add terms up to {@code |implicit|·Σ|x|} on both sides.
     *
     * @param implicit the implicit value of each row (0 for dense and CSR)
     */
    public static double[] tolerance(float[] w, int rows, int cols, float[] x, int batch, float[] implicit) {
        double[] tol = new double[rows * batch];
        double unit = Math.scalb(1.0, -23);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < batch; b++) {
                double terms = 0;
                double xs = 0;
                for (int j = 0; j < cols; j++) {
                    double xj = Math.abs(x[j * batch + b]);
                    terms += Math.abs(w[r * cols + j]) * xj;
                    xs += xj;
                }
                double magnitude = terms + 2 * Math.abs(implicit[r]) * xs;
                tol[r * batch + b] = (cols + 8) * unit * magnitude + 1e-30;
            }
        }
        return tol;
    }

    /** Random inputs in [-1, 1), or small integers in [-4, 4] when {@code integers}. */
    public static float[] inputs(int n, long seed, boolean integers) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = integers ? random.nextInt(-4, 5) : (float) (2 * random.nextDouble() - 1);
        }
        return x;
    }
}
