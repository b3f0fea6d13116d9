package dev.tersor.compress.quant;

import dev.tersor.compress.TestWeights;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EntropyConstrainedQuantizerTest {

    /** Laplace weights: skewed towards 0, as trained weights are. */
    private static final DenseMatrixView SKEWED = TestWeights.laplaceRows(100, 400, 31);

    @Test
    void lowersEntropyAgainstKMeansAtEqualK() {
        QuantizedMatrix cws = KMeansQuantizer.of(16, Scope.MATRIX, 1).quantize(SKEWED);
        QuantizedMatrix ecsq = EntropyConstrainedQuantizer.of(16, 0.1, Scope.MATRIX).quantize(SKEWED);
        assertThat(ecsq.entropyBits()).isLessThan(cws.entropyBits() - 0.5);   // measured 2.38 against 3.32 bits
    }

    @Test
    void beatsKMeansOnRateAndDistortionTogether() {
        // k-means with 6 values against ECSQ allowed 16: ECSQ spends fewer bits for no more error
        // (measured: 1.75 against 2.03 bits, squared error 13 065 against 13 160).
        QuantizedMatrix cws = KMeansQuantizer.of(6, Scope.MATRIX, 1).quantize(SKEWED);
        QuantizedMatrix ecsq = EntropyConstrainedQuantizer.of(16, 0.2, Scope.MATRIX).quantize(SKEWED);
        assertThat(ecsq.entropyBits()).isLessThan(cws.entropyBits() - 0.2);
        assertThat(error(ecsq)).isLessThan(1.05 * error(cws));
    }

    @Test
    void largerLambdaTradesDistortionForRate() {
        for (Scope scope : Scope.values()) {
            double previousEntropy = Double.POSITIVE_INFINITY;
            double previousError = 0;
            for (double lambda : new double[]{0, 0.05, 0.1, 0.2, 0.5}) {
                QuantizedMatrix q = EntropyConstrainedQuantizer.of(16, lambda, scope).quantize(SKEWED);
                assertThat(q.entropyBits()).as("entropy at λ=%s, %s", lambda, scope).isLessThan(previousEntropy);
                assertThat(error(q)).as("error at λ=%s, %s", lambda, scope).isGreaterThan(previousError);
                previousEntropy = q.entropyBits();
                previousError = error(q);
            }
        }
    }

    @Test
    void withoutRateTermItIsKMeansQuality() {
        double ecsq = error(EntropyConstrainedQuantizer.of(16, 0, Scope.MATRIX).quantize(SKEWED));
        double cws = error(KMeansQuantizer.of(16, Scope.MATRIX, 1).quantize(SKEWED));
        assertThat(ecsq).isLessThan(1.2 * cws);
    }

    private static double error(QuantizedMatrix q) {
        return TestWeights.squaredError(q.toDense(), SKEWED.toArray());
    }
}
