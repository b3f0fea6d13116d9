package dev.tersor.compress.quant;

import dev.tersor.compress.TestWeights;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class ProbabilisticQuantizerTest {

    @Test
    void representativesAreTheQuantilesIncludingMinimumAndMaximum() {
        float[] values = {5, 1, 4, 2, 3};
        QuantizationGrid grid = new ProbabilisticQuantizer(3, Scope.MATRIX, 0).fit(DenseMatrixView.of(1, 5, values));
        // Quantiles at 0, 1/2, 1 of 1..5: 1, 3, 5; plus the zero symbol.
        assertThat(grid.size()).isEqualTo(4);
        assertThat(new float[]{grid.level(1), grid.level(2), grid.level(3)}).containsExactly(1f, 3f, 5f);
    }

    @Test
    void oneValueRoundsUpWithTheRightProbability() {
        // -1 and 1 are the only representatives (k = 2); 0.3 goes up with probability 0.65.
        int n = 20_000;
        float[] values = new float[n + 2];
        Arrays.fill(values, 0.3f);
        values[0] = -1f;
        values[1] = 1f;
        QuantizedMatrix q = new ProbabilisticQuantizer(2, Scope.MATRIX, 42).quantize(DenseMatrixView.of(1, n + 2, values));
        double sum = 0;
        int up = 0;
        for (int c = 2; c < n + 2; c++) {
            sum += q.value(0, c);
            up += q.value(0, c) == 1f ? 1 : 0;
        }
        double p = (0.3f + 1.0) / 2;
        double sigmaOfMean = Math.sqrt(1 - 0.3 * 0.3) / Math.sqrt(n);
        assertThat(sum / n).isCloseTo(0.3, org.assertj.core.data.Offset.offset(4 * sigmaOfMean));
        assertThat((double) up / n).isCloseTo(p, org.assertj.core.data.Offset.offset(4 * Math.sqrt(p * (1 - p) / n)));
    }

    @Test
    void roundingIsUnbiasedInEveryInterval() {
        DenseMatrixView w = TestWeights.gaussian(300, 400, 1, 17);
        ProbabilisticQuantizer pws = new ProbabilisticQuantizer(8, Scope.MATRIX, 5);
        QuantizationGrid grid = pws.fit(w);
        QuantizedMatrix q = pws.quantize(w);
        // Per interval between representatives: the sum of errors against its exact standard deviation.
        Bias stochastic = bias(w, grid, q.toDense());
        assertThat(stochastic.worstZ()).isLessThan(4.5);
        assertThat(Math.abs(stochastic.totalZ())).isLessThan(4);
        // The test can tell a biased rounding: round-to-nearest on the same grid fails it.
        Bias nearest = bias(w, grid, grid.roundToNearest(w).toDense());
        assertThat(nearest.worstZ()).isGreaterThan(10);
    }

    @Test
    void perRowRoundingIsUnbiasedToo() {
        DenseMatrixView w = TestWeights.laplaceRows(200, 300, 8);
        QuantizedMatrix q = new ProbabilisticQuantizer(8, Scope.ROW, 5).quantize(w);
        double sum = 0;
        double variance = 0;
        for (int r = 0; r < w.rows(); r++) {
            for (int c = 0; c < w.cols(); c++) {
                double e = q.value(r, c) - w.get(r, c);
                sum += e;
                variance += e * e;  // E[e²] is the variance of an unbiased rounding
            }
        }
        assertThat(Math.abs(sum) / Math.sqrt(variance)).isLessThan(4);
    }

    @Test
    void seedsGiveDifferentButEachReproducibleRoundings() {
        DenseMatrixView w = TestWeights.gaussian(50, 60, 1, 3);
        QuantizedMatrix a = new ProbabilisticQuantizer(8, Scope.MATRIX, 1).quantize(w);
        assertThat(new ProbabilisticQuantizer(8, Scope.MATRIX, 1).quantize(w)).isEqualTo(a);
        assertThat(new ProbabilisticQuantizer(8, Scope.MATRIX, 2).quantize(w)).isNotEqualTo(a);
    }

    private record Bias(double worstZ, double totalZ) {
    }

    private static Bias bias(DenseMatrixView w, QuantizationGrid grid, float[] quantized) {
        int intervals = grid.size();
        double[] sum = new double[intervals];
        double[] variance = new double[intervals];
        double totalSum = 0;
        double totalVariance = 0;
        for (int i = 0; i < quantized.length; i++) {
            float x = w.data().getAtIndex(dev.tersor.kernels.Layouts.F32, i);
            int hi = 0;
            while (hi < grid.size() && (grid.level(hi) <= x || hi == grid.zeroCode())) {
                hi++;
            }
            int lo = hi - 1;
            while (lo >= 0 && lo == grid.zeroCode()) {
                lo--;
            }
            if (lo < 0 || hi >= grid.size() || grid.level(lo) == x) {
                continue;
            }
            double v = ((double) grid.level(hi) - x) * ((double) x - grid.level(lo));
            sum[lo] += quantized[i] - x;
            variance[lo] += v;
            totalSum += quantized[i] - x;
            totalVariance += v;
        }
        double worst = 0;
        for (int k = 0; k < intervals; k++) {
            if (variance[k] > 0) {
                worst = Math.max(worst, Math.abs(sum[k]) / Math.sqrt(variance[k]));
            }
        }
        return new Bias(worst, totalSum / Math.sqrt(totalVariance));
    }
}
