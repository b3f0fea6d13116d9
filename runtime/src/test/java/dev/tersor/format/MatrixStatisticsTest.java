package dev.tersor.format;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** K, H, density, ω0 and groups by hand, the same in every format; and the energy estimate's anchors. */
class MatrixStatisticsTest {

    // 3 x 4: values 0 (6 times), 1 (3 times), -2 (2 times), 5 (once).
    static final float[] W = {
            0, 1, 0, -2,
            1, 1, 0, 0,
            5, 0, -2, 0};

    @Test
    void statisticsByHandInEveryFormat() {
        double h = -(6 / 12.0 * log2(6 / 12.0) + 3 / 12.0 * log2(3 / 12.0) + 2 / 12.0 * log2(2 / 12.0) + 1 / 12.0 * log2(1 / 12.0));
        for (MatrixFormat format : MatrixFormats.all()) {
            if (!format.accepts(QuantizedMatrix.fromDense(DenseMatrixView.of(3, 4, W)))) {
                continue;
            }
            try (WeightMatrix w = format.encode(DenseMatrixView.of(3, 4, W))) {
                MatrixStatistics s = MatrixStatistics.of(w);
                assertThat(s.distinctLevels()).as(format.name()).isEqualTo(4);
                assertThat(s.entropyBits()).as(format.name()).isCloseTo(h, within(1e-12));
                assertThat(s.zeros()).isEqualTo(6);
                assertThat(s.density()).isCloseTo(0.5, within(1e-12));
                assertThat(s.mostFrequentCount()).isEqualTo(6);
                assertThat(s.explicitEntries()).isEqualTo(6);
                // Row 0: {1, -2}; row 1: {1}; row 2: {5, -2}.
                assertThat(s.groups()).as(format.name()).isEqualTo(5);
            }
        }
    }

    @Test
    void rowScalesAreDividedOut() {
        // Levels {0, 1, 2} with row scales 0.5 and 4: six distinct values, three levels.
        QuantizedMatrix q = QuantizedMatrix.builder(2, 3, new float[]{0, 1, 2})
                .set(0, 0, 0).set(0, 1, 1).set(0, 2, 2).set(1, 0, 0).set(1, 1, 1).set(1, 2, 2)
                .rowScales(new float[]{0.5f, 4f}).build();
        try (WeightMatrix w = MatrixFormats.named("ham").encode(q)) {
            MatrixStatistics s = MatrixStatistics.of(w);
            assertThat(s.distinctLevels()).isEqualTo(3);
            assertThat(s.entropyBits()).isCloseTo(log2(3), within(1e-12));
        }
    }

    @Test
    void unquantizedMatricesAreNotCounted() {
        int rows = 300;
        int cols = 300;
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = 1 + i * 1e-3f;
        }
        try (WeightMatrix w = MatrixFormats.named("dense").encode(DenseMatrixView.of(rows, cols, v))) {
            MatrixStatistics s = MatrixStatistics.of(w);
            assertThat(s.levelsCounted()).isFalse();
            assertThat(s.entropyBits()).isNaN();
            assertThat(s.density()).isEqualTo(1.0);
            assertThat(s.groups()).isEqualTo((long) rows * cols);
        }
    }

    @Test
    void energyOfDenseIsItsOwnBaselineAndSparseCostsLess() {
        float[] sparse = new float[64 * 64];
        for (int i = 0; i < sparse.length; i += 10) {
            sparse[i] = 0.5f;
        }
        try (WeightMatrix dense = MatrixFormats.named("dense").encode(DenseMatrixView.of(64, 64, sparse));
             WeightMatrix csr = MatrixFormats.named("csr").encode(DenseMatrixView.of(64, 64, sparse));
             WeightMatrix cser = MatrixFormats.named("cser").encode(DenseMatrixView.of(64, 64, sparse))) {
            EnergyEstimate d = EnergyEstimate.of(dense, MatrixStatistics.of(dense));
            assertThat(d.picojoules()).isEqualTo(d.densePicojoules());
            // 64·64 entries: multiply 3.7 + add 0.9 + W read (16 KB array: 10 pJ) + x read (256 B: 5 pJ); 64 y writes at 5 pJ.
            assertThat(d.densePicojoules()).isCloseTo(4096 * (3.7 + 0.9 + 10 + 5) + 64 * 5, within(1e-6));
            EnergyEstimate c = EnergyEstimate.of(csr, MatrixStatistics.of(csr));
            assertThat(c.densePicojoules()).isEqualTo(d.densePicojoules());
            assertThat(c.savingFactor()).isGreaterThan(3);
            EnergyEstimate g = EnergyEstimate.of(cser, MatrixStatistics.of(cser));
            assertThat(g.picojoules()).isLessThan(c.picojoules());
            // A row look-up reads one row, not the table: 64 reads from a 16 KB array and 64 writes.
            EnergyEstimate lookup = EnergyEstimate.ofRowLookup(dense);
            assertThat(lookup.densePicojoules()).isCloseTo(64 * 10 + 64 * 5, within(1e-9));
            assertThat(EnergyEstimate.ofRowLookup(csr).picojoules()).isLessThan(lookup.densePicojoules());
        }
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
