package dev.tersor.compress.quant;

import dev.tersor.compress.TestWeights;
import dev.tersor.compress.prune.MagnitudePruning;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** What every quantizer promises, on a pruned matrix with skewed rows of different spreads. */
class QuantizerContractTest {

    private static final int K = 16;
    private static final DenseMatrixView WEIGHTS = TestWeights.laplaceRows(60, 90, 11);
    private static final DenseMatrixView PRUNED = MagnitudePruning.perLayer(WEIGHTS, 0.3).apply(WEIGHTS);

    /**
     * Quantizer, whether it bounds the alphabet by K, whether non-zeros may become 0, and the largest
     * relative squared error ‖W − Q‖²/‖W‖² it may make here (about 1.5 times what it makes; PWS pays
     * for unbiasedness with the variance of stochastic rounding over the wide tail intervals).
     */
    static Stream<Arguments> quantizers() {
        return Stream.of(
                Arguments.of(UniformQuantizer.levels(K, Scope.MATRIX), true, true, 0.08),
                Arguments.of(UniformQuantizer.levels(K, Scope.ROW), true, true, 0.025),
                Arguments.of(UniformQuantizer.relativeStep(0.5, Scope.ROW), false, true, 0.04),
                Arguments.of(UniformQuantizer.step(0.25), false, true, 0.003),
                Arguments.of(KMeansQuantizer.of(K, Scope.MATRIX, 3), true, false, 0.02),
                Arguments.of(KMeansQuantizer.of(K, Scope.ROW, 3), true, false, 0.02),
                Arguments.of(KMeansQuantizer.of(K, Scope.MATRIX, 3).withMiniBatch(500), true, false, 0.025),
                Arguments.of(new ProbabilisticQuantizer(K, Scope.MATRIX, 3), true, false, 0.45),
                Arguments.of(new ProbabilisticQuantizer(K, Scope.ROW, 3), true, false, 0.2),
                Arguments.of(EntropyConstrainedQuantizer.of(K, 0.05, Scope.MATRIX), true, false, 0.04),
                Arguments.of(EntropyConstrainedQuantizer.of(K, 0.05, Scope.ROW), true, false, 0.04));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quantizers")
    void keepsAtMostKNonZeroValuesAndZerosExact(Quantizer quantizer, boolean boundedByK, boolean zeroIsALevel, double maxError) {
        QuantizedMatrix q = quantizer.quantize(PRUNED);
        Set<Float> nonZeroLevels = new HashSet<>();
        for (int r = 0; r < q.rows(); r++) {
            Set<Float> rowValues = new HashSet<>();
            for (int c = 0; c < q.cols(); c++) {
                float level = q.codebookValue(q.code(r, c));
                float value = q.value(r, c);
                rowValues.add(value);
                if (PRUNED.get(r, c) == 0f) {
                    assertThat(Float.floatToRawIntBits(value)).as("pruned (%d, %d)", r, c).isZero();
                } else {
                    if (!zeroIsALevel) {
                        assertThat(value).as("non-zero (%d, %d)", r, c).isNotZero();
                    }
                    if (level != 0f) {
                        nonZeroLevels.add(level);
                    }
                }
            }
            if (boundedByK) {
                assertThat(rowValues.size()).as("distinct values of row %d", r).isLessThanOrEqualTo(K + 1);
            }
        }
        if (boundedByK) {
            assertThat(nonZeroLevels.size()).isLessThanOrEqualTo(K).isGreaterThan(K / 2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quantizers")
    void isDeterministic(Quantizer quantizer, boolean boundedByK, boolean zeroIsALevel, double maxError) {
        QuantizedMatrix a = quantizer.quantize(PRUNED);
        QuantizedMatrix b = quantizer.quantize(DenseMatrixView.of(PRUNED.rows(), PRUNED.cols(), PRUNED.toArray()));
        assertThat(b).isEqualTo(a);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quantizers")
    void valuesLieOnTheFittedGridAndAreClose(Quantizer quantizer, boolean boundedByK, boolean zeroIsALevel, double maxError) {
        QuantizationGrid grid = quantizer.fit(PRUNED);
        QuantizedMatrix q = quantizer.quantize(PRUNED);
        assertThat(q.hasRowScales()).isEqualTo(grid.hasRowScales());
        double error = 0;
        double energy = 0;
        for (int r = 0; r < q.rows(); r++) {
            assertThat(q.rowScale(r)).isEqualTo(grid.rowScale(r));
            for (int c = 0; c < q.cols(); c++) {
                int code = grid.codeOf(q.codebookValue(q.code(r, c)));
                assertThat(code).as("level of (%d, %d) is on the grid", r, c).isNotNegative();
                assertThat(q.value(r, c)).isEqualTo(grid.value(r, code));
                double d = q.value(r, c) - PRUNED.get(r, c);
                error += d * d;
                energy += (double) PRUNED.get(r, c) * PRUNED.get(r, c);
            }
        }
        assertThat(error / energy).isLessThan(maxError);
    }
}
