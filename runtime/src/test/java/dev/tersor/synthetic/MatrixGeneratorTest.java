package dev.tersor.synthetic;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MatrixGeneratorTest {

    private static MatrixGenerator.Builder base() {
        return MatrixGenerator.builder().rows(300).cols(400).density(0.2).distinctValues(12).seed(9);
    }

    @Test
    void sameSettingsSameMatrixOtherSeedOtherMatrix() {
        QuantizedMatrix a = base().build().generate();
        assertThat(base().build().generate()).isEqualTo(a);
        assertThat(base().seed(10).build().generate()).isNotEqualTo(a);
    }

    @Test
    void denseAndQuantizedOutputsAgree() {
        MatrixGenerator generator = base().build();
        try (Arena arena = Arena.ofConfined()) {
            DenseMatrixView dense = generator.generateDense(arena);
            float[] expected = generator.generate().toDense();
            for (int i = 0; i < expected.length; i++) {
                assertThat(dense.data().getAtIndex(dev.tersor.kernels.Layouts.F32, i)).isEqualTo(expected[i]);
            }
        }
    }

    @Test
    void densityIsWithinFiveStandardDeviations() {
        for (double density : new double[]{0.01, 0.1, 0.5, 0.9}) {
            QuantizedMatrix q = base().density(density).build().generate();
            long n = 300L * 400;
            long nonZeros = n - q.codeCounts()[0];
            double sigma = Math.sqrt(n * density * (1 - density));
            assertThat((double) nonZeros).isCloseTo(n * density, org.assertj.core.data.Offset.offset(5 * sigma));
        }
        assertThat(base().density(0).build().generate().codeCounts()[0]).isEqualTo(300L * 400);
        assertThat(base().density(1).build().generate().codeCounts()[0]).isZero();
    }

    @Test
    void exactlyKDistinctNonZeroValues() {
        for (int k : new int[]{1, 2, 3, 16, 255, 1024}) {
            float[] dense = base().density(1).distinctValues(k).rows(500).cols(500).build().generate().toDense();
            Set<Float> distinct = new HashSet<>();
            for (float v : dense) {
                distinct.add(v);
            }
            assertThat(distinct).as("K = " + k).hasSize(k).doesNotContain(0f);
        }
    }

    @Test
    void valuesAreExactPowersOfTwoMultiplesOrIntegers() {
        float[] values = base().distinctValues(16).build().values();
        assertThat(values).containsExactly(1 / 16f, -1 / 16f, 2 / 16f, -2 / 16f, 3 / 16f, -3 / 16f, 4 / 16f, -4 / 16f,
                5 / 16f, -5 / 16f, 6 / 16f, -6 / 16f, 7 / 16f, -7 / 16f, 8 / 16f, -8 / 16f);
        assertThat(base().distinctValues(3).integerValues(true).build().values()).containsExactly(1f, -1f, 2f);
    }

    @Test
    void peakedDistributionFavoursSmallMagnitudes() {
        QuantizedMatrix q = base().density(1).distinctValues(32).distribution(ValueDistribution.PEAKED).build().generate();
        long[] counts = q.codeCounts();
        // code 1 is level 1, code 31 is level 16
        assertThat(counts[1]).isGreaterThan(counts[15]).isGreaterThan(counts[31]);
        QuantizedMatrix u = base().density(1).distinctValues(32).build().generate();
        long[] uniform = u.codeCounts();
        assertThat(Arrays.stream(uniform, 1, 33).max().getAsLong())
                .isLessThan(2 * Arrays.stream(uniform, 1, 33).min().getAsLong());
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> MatrixGenerator.builder().cols(3).build()).hasMessageContaining("rows and cols");
        assertThatThrownBy(() -> base().density(1.5).build()).hasMessageContaining("density");
        assertThatThrownBy(() -> base().density(Double.NaN).build()).hasMessageContaining("density");
        assertThatThrownBy(() -> base().distinctValues(0).build()).hasMessageContaining("at least 1");
    }
}
