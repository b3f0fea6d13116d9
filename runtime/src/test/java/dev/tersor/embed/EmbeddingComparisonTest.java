package dev.tersor.embed;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EmbeddingComparisonTest {

    @Test
    void identicalEmbeddingsAgreeCompletely() {
        float[][] v = random(50, 16, 1);
        EmbeddingComparison c = EmbeddingComparison.of(v, v);
        assertThat(c.meanCosine()).isCloseTo(1, within(1e-12));
        assertThat(c.minCosine()).isCloseTo(1, within(1e-12));
        assertThat(c.p1Cosine()).isCloseTo(1, within(1e-12));
        assertThat(c.top10Overlap()).isEqualTo(1.0);
        assertThat(c.sentences()).isEqualTo(50);
    }

    @Test
    void cosinesByHand() {
        float[][] a = {{1, 0}, {0, 2}, {3, 3}};
        float[][] b = {{1, 0}, {0, -1}, {1, 0}};
        EmbeddingComparison c = EmbeddingComparison.of(a, b);
        double s = Math.sqrt(0.5);
        assertThat(c.meanCosine()).isCloseTo((1 - 1 + s) / 3, within(1e-12));
        assertThat(c.minCosine()).isCloseTo(-1, within(1e-12));
        // k = 2 with three texts: every other text is a neighbour under both models.
        assertThat(c.top10Overlap()).isEqualTo(1.0);
    }

    @Test
    void firstPercentileIsTheNearestRankFromBelow() {
        double[] values = IntStream.rangeClosed(1, 300).mapToDouble(i -> i / 1000.0).toArray();
        shuffle(values, 3);
        // 300 values: ⌈3⌉ = the third smallest
        assertThat(EmbeddingComparison.percentile(values, 1)).isEqualTo(0.003);
        assertThat(EmbeddingComparison.percentile(values, 0)).isEqualTo(0.001);
        assertThat(EmbeddingComparison.percentile(values, 50)).isEqualTo(0.150);
        assertThat(EmbeddingComparison.percentile(values, 100)).isEqualTo(0.300);
        // 150 values: ⌈1.5⌉ = the second smallest; fewer than 100: the smallest
        assertThat(EmbeddingComparison.percentile(Arrays.copyOf(sorted(values), 150), 1)).isEqualTo(0.002);
        assertThat(EmbeddingComparison.percentile(new double[]{0.9, 0.5, 0.7}, 1)).isEqualTo(0.5);
        assertThatThrownBy(() -> EmbeddingComparison.percentile(new double[0], 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddingComparison.percentile(values, 101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theComparisonReportsTheFirstPercentileOfItsCosines() {
        // 200 pairs: pair i at angle i/1000 rad apart, so its cosine is cos(i/1000); the 2nd smallest is pair 198's
        int n = 200;
        float[][] a = new float[n][];
        float[][] b = new float[n][];
        for (int i = 0; i < n; i++) {
            double base = 0.05 * i;
            a[i] = new float[]{(float) Math.cos(base), (float) Math.sin(base)};
            b[i] = new float[]{(float) Math.cos(base + i / 1000.0), (float) Math.sin(base + i / 1000.0)};
        }
        EmbeddingComparison c = EmbeddingComparison.of(a, b);
        assertThat(c.minCosine()).isCloseTo(Math.cos(0.199), within(1e-6));
        assertThat(c.p1Cosine()).isCloseTo(Math.cos(0.198), within(1e-6));
    }

    @Test
    void overlapCountsSharedNeighbours() {
        // 12 texts on a circle: each one's 10 nearest are all but the opposite one (and itself).
        int n = 12;
        float[][] circle = new float[n][];
        for (int i = 0; i < n; i++) {
            double angle = 2 * Math.PI * i / n + 0.01 * i;
            circle[i] = new float[]{(float) Math.cos(angle), (float) Math.sin(angle)};
        }
        // Reference with a different geometry: text i's neighbours differ from the circle's.
        float[][] line = new float[n][];
        for (int i = 0; i < n; i++) {
            line[i] = new float[]{1, (float) Math.tan(-1.2 + 0.2 * i)};
        }
        double expected = 0;
        for (int i = 0; i < n; i++) {
            int[] a = bruteNearest(circle, i, 10);
            int[] b = bruteNearest(line, i, 10);
            expected += IntStream.of(a).filter(x -> IntStream.of(b).anyMatch(y -> y == x)).count() / 10.0;
        }
        expected /= n;
        assertThat(expected).isLessThan(1.0);
        assertThat(EmbeddingComparison.of(circle, line).top10Overlap()).isCloseTo(expected, within(1e-12));
    }

    @Test
    void nearestMatchesASortOfAllScores() {
        float[][] v = random(200, 8, 7);
        double[][] unit = new double[v.length][];
        for (int i = 0; i < v.length; i++) {
            double norm = 0;
            for (float x : v[i]) {
                norm += x * x;
            }
            unit[i] = new double[v[i].length];
            for (int d = 0; d < v[i].length; d++) {
                unit[i][d] = v[i][d] / Math.sqrt(norm);
            }
        }
        for (int i = 0; i < v.length; i += 17) {
            assertThat(EmbeddingComparison.nearest(unit, i, 10)).containsExactly(bruteNearest(v, i, 10));
        }
    }

    @Test
    void rejectsMismatchedInputs() {
        assertThatThrownBy(() -> EmbeddingComparison.of(random(3, 4, 1), random(2, 4, 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddingComparison.of(random(3, 4, 1), random(3, 5, 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddingComparison.of(new float[0][], new float[0][]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static double[] sorted(double[] values) {
        double[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }

    private static void shuffle(double[] values, long seed) {
        Random random = new Random(seed);
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    private static int[] bruteNearest(float[][] v, int i, int k) {
        return IntStream.range(0, v.length).filter(j -> j != i).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -cos(v[i], v[j])).thenComparingInt(j -> j))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    private static double cos(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int d = 0; d < a.length; d++) {
            dot += (double) a[d] * b[d];
            na += (double) a[d] * a[d];
            nb += (double) b[d] * b[d];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static float[][] random(int n, int dim, long seed) {
        Random random = new Random(seed);
        float[][] v = new float[n][dim];
        for (float[] row : v) {
            for (int d = 0; d < dim; d++) {
                row[d] = (float) random.nextGaussian();
            }
        }
        return Arrays.copyOf(v, n);
    }
}
