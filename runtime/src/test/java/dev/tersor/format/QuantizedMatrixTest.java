package dev.tersor.format;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantizedMatrixTest {

    @Test
    void fromDenseAssignsOneCodePerBitPattern() {
        float[] dense = {0f, -0f, 1f, 0f, Float.NaN, 1f};
        QuantizedMatrix q = QuantizedMatrix.fromDense(DenseMatrixView.of(2, 3, dense));
        assertThat(q.codebookSize()).isEqualTo(4);
        assertThat(q.code(0, 0)).isEqualTo(q.code(1, 0)).isNotEqualTo(q.code(0, 1));
        assertThat(q.code(0, 2)).isEqualTo(q.code(1, 2));
        FormatRoundTripTest.assertSameBits("fromDense", dense, q.toDense());
    }

    @Test
    void frequencyOrderBreaksTiesByBitsThenCodeAndDropsUnusedCodes() {
        // value 5 three times, values 2 and 1 twice each, 9 unused
        float[] codebook = {5f, 2f, 9f, 1f};
        int[] codes = {0, 0, 0, 1, 1, 3, 3};
        QuantizedMatrix q = QuantizedMatrix.of(1, 7, codebook, codes, null);
        assertThat(q.codesByFrequency()).containsExactly(0, 3, 1); // bits of 1f < bits of 2f
        assertThat(q.entropyBits()).isCloseTo(1.5567, org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void rowScalesMultiplyEveryEntryOfTheirRow() {
        QuantizedMatrix q = QuantizedMatrix.of(2, 2, new float[]{0f, 3f}, new int[]{0, 1, 1, 1}, new float[]{-2f, 0.5f});
        assertThat(q.toDense()).containsExactly(-0f, -6f, 1.5f, 1.5f);
        assertThat(Float.floatToRawIntBits(q.value(0, 0))).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void invalidPartsAreRejected() {
        assertThatThrownBy(() -> QuantizedMatrix.of(2, 2, new float[]{1f}, new int[]{0, 0, 0}, null))
                .hasMessageContaining("3 codes for a 2x2");
        assertThatThrownBy(() -> QuantizedMatrix.of(1, 2, new float[]{1f}, new int[]{0, 1}, null))
                .hasMessageContaining("outside the codebook");
        assertThatThrownBy(() -> QuantizedMatrix.of(1, 1, new float[]{1f}, new int[]{0}, new float[2]))
                .hasMessageContaining("row scales");
    }

    @Test
    void inputsAreCopied() {
        float[] codebook = {1f, 2f};
        int[] codes = {0, 1};
        QuantizedMatrix q = QuantizedMatrix.of(1, 2, codebook, codes, null);
        codebook[0] = 7f;
        codes[1] = 0;
        assertThat(q.toDense()).containsExactly(1f, 2f);
    }
}
