package dev.tersor.format;

import dev.tersor.format.csr.CsrMatrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

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

    @Test
    void codesOfEveryWidthRoundTrip() {
        // codebooks of 1, 256 (one byte), 257 and 65 536 (two bytes), 65 537 (four bytes) entries
        for (int size : new int[]{1, 256, 257, 65_536, 65_537}) {
            float[] codebook = new float[size];
            for (int i = 0; i < size; i++) {
                codebook[i] = i;
            }
            int[] codes = {0, size - 1, size / 2, size - 1, 0, size / 3};
            QuantizedMatrix q = QuantizedMatrix.of(2, 3, codebook, codes, null);
            for (int i = 0; i < codes.length; i++) {
                assertThat(q.code(i / 3, i % 3)).as("codebook of %d, entry %d", size, i).isEqualTo(codes[i]);
            }
            assertThat(q.codeCounts()[size - 1]).isEqualTo(size == 1 ? 6 : 2);
            QuantizedMatrix.Builder builder = QuantizedMatrix.builder(2, 3, codebook);
            for (int i = 0; i < codes.length; i++) {
                builder.set(i, codes[i]);
            }
            QuantizedMatrix built = builder.build();
            assertThat(built).isEqualTo(q).hasSameHashCodeAs(q);
        }
    }

    @Test
    void builderStartsAtCodeZeroCopiesItsCodebookAndBuildsOnce() {
        float[] codebook = {0f, 4f, -1f};
        QuantizedMatrix.Builder builder = QuantizedMatrix.builder(2, 2, codebook).set(0, 1, 2).set(1, 1, 1)
                .rowScales(new float[]{1f, -2f});
        codebook[1] = 99f;
        QuantizedMatrix q = builder.build();
        assertThat(q.toDense()).containsExactly(0f, -1f, -0f, -8f);
        assertThat(q).isEqualTo(QuantizedMatrix.of(2, 2, new float[]{0f, 4f, -1f}, new int[]{0, 2, 0, 1},
                new float[]{1f, -2f}));
        assertThatThrownBy(() -> builder.set(0, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void builderRejectsBadCodesPositionsAndShapes() {
        QuantizedMatrix.Builder builder = QuantizedMatrix.builder(2, 3, new float[]{0f, 1f});
        assertThatThrownBy(() -> builder.set(0, 2)).hasMessageContaining("outside the codebook of 2");
        assertThatThrownBy(() -> builder.set(0, -1)).hasMessageContaining("outside the codebook");
        assertThatThrownBy(() -> builder.set(6, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> builder.set(2, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> builder.rowScales(new float[3])).hasMessageContaining("3 row scales for 2 rows");
        assertThatThrownBy(() -> QuantizedMatrix.builder(-1, 2, new float[1])).hasMessageContaining("negative shape");
        assertThatThrownBy(() -> QuantizedMatrix.builder(65_536, 65_536, new float[1]))
                .hasMessageContaining("too large");
    }

    @Test
    void csrEncodesCodesAndTheirDecodedCopyIdentically() {
        // row scales turn 0 into -0.0 in the negative row, which CSR must store
        QuantizedMatrix q = QuantizedMatrix.of(3, 4, new float[]{0f, 1.5f, -3f},
                new int[]{0, 1, 2, 0, 1, 1, 0, 0, 2, 0, 0, 1}, new float[]{1f, -2f, 0.5f});
        try (WeightMatrix fromCodes = CsrMatrix.encode(q); WeightMatrix fromDense = CsrMatrix.encode(q.toDenseView())) {
            FormatRoundTripTest.assertSameBits("csr from codes", q.toDense(), fromCodes.toDense());
            assertThat(fromCodes.byteSize()).isEqualTo(fromDense.byteSize());
            for (String name : fromDense.layout().arrays().keySet()) {
                assertThat(fromCodes.layout().array(name).data().toArray(ValueLayout.JAVA_BYTE))
                        .as(name).isEqualTo(fromDense.layout().array(name).data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }
}
