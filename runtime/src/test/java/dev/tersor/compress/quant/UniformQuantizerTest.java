package dev.tersor.compress.quant;

import dev.tersor.compress.TestWeights;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UniformQuantizerTest {

    @Test
    void perRowStepIsSmallIntegerLevelsTimesAlphaRowRms() {
        DenseMatrixView w = TestWeights.laplaceRows(20, 200, 5);
        double alpha = 0.1;
        QuantizedMatrix q = UniformQuantizer.relativeStep(alpha, Scope.ROW).quantize(w);
        assertThat(q.hasRowScales()).isTrue();
        for (int k = 0; k < q.codebookSize(); k++) {
            float level = q.codebookValue(k);
            assertThat(level).isEqualTo((float) Math.rint(level));
            assertThat(Math.abs(level)).isLessThan(200);
        }
        for (int r = 0; r < w.rows(); r++) {
            double sumSq = 0;
            for (int c = 0; c < w.cols(); c++) {
                sumSq += (double) w.get(r, c) * w.get(r, c);
            }
            // α·rms rounded to the nearest half-precision value, which formats store in two bytes
            double exact = alpha * Math.sqrt(sumSq / w.cols());
            float step = Float.float16ToFloat(Float.floatToFloat16((float) exact));
            assertThat(q.rowScale(r)).isEqualTo(step);
            assertThat((double) step).isCloseTo(exact, org.assertj.core.api.Assertions.withinPercentage(0.05));
            for (int c = 0; c < w.cols(); c++) {
                float level = q.codebookValue(q.code(r, c));
                assertThat(q.value(r, c)).isEqualTo(level * step);
                // Nearest level: within half a step, up to float rounding of the product.
                assertThat((double) Math.abs(q.value(r, c) - w.get(r, c))).isLessThanOrEqualTo(0.5 * step * (1 + 1e-6));
            }
        }
    }

    @Test
    void rowFactorsScaleEachRowsStep() {
        DenseMatrixView w = TestWeights.laplaceRows(6, 100, 9);
        float[] factors = {1f, 2f, 4f, 1.5f, 3f, 1f};
        QuantizedMatrix plain = UniformQuantizer.relativeStep(0.2, Scope.ROW).quantize(w);
        QuantizedMatrix scaled = UniformQuantizer.relativeStep(0.2, Scope.ROW).withRowFactors(factors).quantize(w);
        for (int r = 0; r < w.rows(); r++) {
            double sumSq = 0;
            for (int c = 0; c < w.cols(); c++) {
                sumSq += (double) w.get(r, c) * w.get(r, c);
            }
            float expected = Float.float16ToFloat(Float.floatToFloat16((float) (0.2 * Math.sqrt(sumSq / w.cols()) * factors[r])));
            assertThat(scaled.rowScale(r)).isEqualTo(expected);
            assertThat((double) scaled.rowScale(r))
                    .isCloseTo((double) plain.rowScale(r) * factors[r], org.assertj.core.api.Assertions.withinPercentage(0.1));
            for (int c = 0; c < w.cols(); c++) {
                assertThat((double) Math.abs(scaled.value(r, c) - w.get(r, c)))
                        .isLessThanOrEqualTo(0.5 * scaled.rowScale(r) * (1 + 1e-6));
            }
        }
        assertThatThrownBy(() -> UniformQuantizer.relativeStep(0.2, Scope.ROW).withRowFactors(new float[5]).quantize(w))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UniformQuantizer.relativeStep(0.2, Scope.ROW).withRowFactors(new float[]{1, Float.NaN}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UniformQuantizer.relativeStep(0.2, Scope.MATRIX).withRowFactors(factors))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void levelsClampToTheRequestedCountAndReachTheLargestWeight() {
        DenseMatrixView w = TestWeights.laplaceRows(10, 100, 9);
        QuantizedMatrix q = UniformQuantizer.levels(15, Scope.ROW).quantize(w);  // L = 7
        for (int r = 0; r < w.rows(); r++) {
            int maxCol = 0;
            for (int c = 0; c < w.cols(); c++) {
                float level = q.codebookValue(q.code(r, c));
                assertThat(Math.abs(level)).isLessThanOrEqualTo(7);
                if (Math.abs(w.get(r, c)) > Math.abs(w.get(r, maxCol))) {
                    maxCol = c;
                }
            }
            assertThat(Math.abs(q.codebookValue(q.code(r, maxCol)))).isEqualTo(7);
        }
    }

    @Test
    void fixedStepRoundsToMultiplesWithTiesTowardZero() {
        float[] values = {0.125f, 0.375f, -0.375f, 0.3f, -1.1f, 0f, 0.13f};
        QuantizedMatrix q = UniformQuantizer.step(0.25).quantize(DenseMatrixView.of(1, 7, values));
        assertThat(q.hasRowScales()).isFalse();
        assertThat(q.toDense()).containsExactly(0f, 0.25f, -0.25f, 0.25f, -1f, 0f, 0.25f);
    }

    @Test
    void allZeroRowsAndEmptyMatrices() {
        float[] values = {0, 0, 0, 1, -2, 3};
        QuantizedMatrix q = UniformQuantizer.relativeStep(0.5, Scope.ROW).quantize(DenseMatrixView.of(2, 3, values));
        assertThat(q.value(0, 0)).isZero();
        assertThat(q.rowScale(0)).isPositive();
        QuantizedMatrix empty = UniformQuantizer.levels(4, Scope.ROW).quantize(DenseMatrixView.of(0, 3, new float[0]));
        assertThat(empty.rows()).isZero();
    }

    @Test
    void rejectsBadSettingsAndWeights() {
        assertThatThrownBy(() -> UniformQuantizer.step(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UniformQuantizer.levels(1, Scope.ROW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UniformQuantizer.step(1e-9).quantize(DenseMatrixView.of(1, 2, new float[]{1, -1})))
                .hasMessageContaining("too small");
        assertThatThrownBy(() -> UniformQuantizer.step(0.1).quantize(DenseMatrixView.of(1, 1, new float[]{Float.NaN})))
                .hasMessageContaining("not finite");
    }
}
