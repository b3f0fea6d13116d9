package dev.tersor.compress;

import dev.tersor.format.QuantizedMatrix;
import dev.tersor.synthetic.MatrixGenerator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

class EntropyEstimateTest {

    @Test
    void countsEntropyAndTheCheaperStreamExactly() {
        // Codes 0 (value 0) ×4, 1 ×3, 2 ×1 over a 2×4 matrix.
        QuantizedMatrix q = QuantizedMatrix.of(2, 4, new float[]{0f, 1f, 2f}, new int[]{0, 0, 1, 2, 0, 1, 1, 0}, null);
        EntropyEstimate e = EntropyEstimate.of(q);
        assertThat(e.entries()).isEqualTo(8);
        assertThat(e.nonZeros()).isEqualTo(4);
        assertThat(e.distinctCodes()).isEqualTo(3);
        assertThat(e.entropyBits()).isCloseTo(1.40564, offset(1e-5));
        assertThat(e.nonZeroEntropyBits()).isCloseTo(0.81128, offset(1e-5));
        // Dense stream: ⌈8·1.4056⌉ = 12 bits → 2 bytes, plus 3 one-byte row offsets = 5.
        // Sparse stream: 4 bits → 1 byte, 4 u8 columns, 3 × (u8 pointer + u8 offset) = 11.
        // Overhead: 16 + 3 × (4 + 1) = 31.
        assertThat(e.estimatedBytes()).isEqualTo(31 + 5);
        assertThat(e.bitsPerWeight()).isEqualTo(8.0 * 36 / 8);

        QuantizedMatrix scaled = QuantizedMatrix.of(2, 4, new float[]{0f, 1f, 2f}, new int[]{0, 0, 1, 2, 0, 1, 1, 0},
                new float[]{1f, 2f});
        assertThat(EntropyEstimate.of(scaled).estimatedBytes()).isEqualTo(36 + 2 * 4);
    }

    @Test
    void sparseMatricesCodeOnlyTheirNonZeros() {
        // 1 % dense: coding every entry costs at least a bit each; non-zeros cost 2 bits + a u16 column.
        QuantizedMatrix q = MatrixGenerator.builder().rows(500).cols(600).density(0.01).distinctValues(4).seed(3)
                .build().generate();
        EntropyEstimate e = EntropyEstimate.of(q);
        assertThat(e.estimatedBytes()).isLessThan(e.entries() / 32);            // under a quarter bit per entry
        assertThat(e.estimatedBytes()).isGreaterThan(2 * e.nonZeros());         // the u16 columns
        assertThat(e.nonZeroEntropyBits()).isCloseTo(2, offset(0.05));
    }

    @Test
    void denseMatricesCodeEveryEntryWithinOneBitOfTheEntropy() {
        QuantizedMatrix q = MatrixGenerator.builder().rows(300).cols(400).density(0.5).distinctValues(16).seed(5)
                .build().generate();
        EntropyEstimate e = EntropyEstimate.of(q);
        double streamBytes = e.entries() * e.entropyBits() / 8;
        long rowOffsets = 301 * 4;
        long overhead = 16 + 17 * 5;
        assertThat((double) e.estimatedBytes()).isBetween(streamBytes + rowOffsets + overhead,
                streamBytes + e.entries() / 8.0 + rowOffsets + overhead + 1);
    }

    @Test
    void huffmanCostOfKnownCounts() {
        // Counts 5, 2, 1, 1: lengths 1, 2, 3, 3 → 5 + 4 + 3 + 3 = 15 bits.
        assertThat(EntropyEstimate.huffmanBits(new long[]{5, 2, 1, 0, 1})).isEqualTo(15);
        assertThat(EntropyEstimate.huffmanBits(new long[]{7})).isZero();
    }

    @Test
    void emptyMatrix() {
        EntropyEstimate e = EntropyEstimate.of(QuantizedMatrix.of(0, 0, new float[]{0f}, new int[0], null));
        assertThat(e.entropyBits()).isZero();
        assertThat(e.bitsPerWeight()).isZero();
    }
}
