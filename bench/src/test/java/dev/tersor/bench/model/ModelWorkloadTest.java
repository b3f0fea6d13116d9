package dev.tersor.bench.model;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ModelWorkloadTest {

    @Test
    void workloadsNameThemselvesAndParseBack() {
        assertThat(ModelWorkload.ALL).extracting(ModelWorkload::id).containsExactly("b1-t11", "b1-t128", "b32-t11");
        for (ModelWorkload w : ModelWorkload.ALL) {
            assertThat(ModelWorkload.parse(w.id())).isEqualTo(w);
        }
        assertThat(ModelWorkload.BATCH.isThroughput()).isTrue();
        assertThat(ModelWorkload.SHORT.isThroughput()).isFalse();
        assertThatThrownBy(() -> ModelWorkload.parse("b1t11")).hasMessageContaining("b<batch>-t<tokens>");
        assertThatThrownBy(() -> new ModelWorkload(1, 0)).hasMessageContaining("1 to 512 tokens");
        assertThatThrownBy(() -> new ModelWorkload(1, 513)).hasMessageContaining("1 to 512 tokens");
        assertThat(new ModelWorkload(2, 1).inputIds()).containsExactly(101, 101);
        assertThat(new ModelWorkload(1, 2).input("token_type_ids")).containsExactly(0, 0);
        assertThatThrownBy(() -> new ModelWorkload(1, 2).input("pixel_values")).hasMessageContaining("'pixel_values'");
        assertThatThrownBy(() -> new ModelWorkload(0, 11)).hasMessageContaining("batch ≥ 1");
    }

    @Test
    void inputsAreFixedWordPiecesBetweenClsAndSepAndDifferPerSequence() {
        ModelWorkload w = new ModelWorkload(3, 6);
        long[] ids = w.inputIds();
        assertThat(ids).hasSize(18).isEqualTo(w.inputIds());
        for (int b = 0; b < 3; b++) {
            assertThat(ids[b * 6]).isEqualTo(101);
            assertThat(ids[b * 6 + 5]).isEqualTo(102);
            for (int t = 1; t < 5; t++) {
                assertThat(ids[b * 6 + t]).isBetween(2000L, 21999L);
            }
        }
        assertThat(Arrays.copyOfRange(ids, 1, 5)).isNotEqualTo(Arrays.copyOfRange(ids, 7, 11));
        assertThat(w.attentionMask()).containsOnly(1L).hasSize(18);
        assertThat(w.tokenTypes()).containsOnly(0L).hasSize(18);
    }

    @Test
    void poolingAveragesTokensAndCosineRejectsDegenerateRows() {
        // batch 2, tokens 2, width 3
        float[] hidden = {1, 2, 3, 3, 2, 1, /* second */ 0, 0, 2, 0, 0, 4};
        float[][] pooled = Pooling.mean(hidden, 2, 2);
        assertThat(pooled[0]).containsExactly(2, 2, 2);
        assertThat(pooled[1]).containsExactly(0, 0, 3);
        assertThat(Pooling.cosine(new float[]{1, 0}, new float[]{0, 1})).isCloseTo(0, within(1e-12));
        assertThat(Pooling.cosine(new float[]{1, 2}, new float[]{2, 4})).isCloseTo(1, within(1e-12));
        assertThat(Pooling.cosine(new float[]{0, 0}, new float[]{1, 1})).isNaN();
        assertThat(Pooling.minCosine(new float[][]{{1, 0}, {1, 1}}, new float[][]{{1, 0}, {1, 0}}))
                .isCloseTo(Math.sqrt(0.5), within(1e-12));
        assertThat(Pooling.minCosine(new float[][]{{1, 0}, {Float.NaN, 1}}, new float[][]{{1, 0}, {1, 0}})).isNaN();
        assertThatThrownBy(() -> Pooling.mean(new float[7], 2, 2)).hasMessageContaining("are not 2×2×width");
    }

    @Test
    void everyFormIsCheckedAgainstAnIndependentImplementation() {
        for (ModelForm form : ModelForm.values()) {
            ModelForm expected = switch (form) {
                case ORT_FP32 -> ModelForm.TERSOR_FP32;
                case TERSOR_COMPRESSED -> ModelForm.TERSOR_COMPRESSED; // its file on the scalar kernels, as stored
                default -> ModelForm.ORT_FP32;
            };
            assertThat(form.reference()).isEqualTo(expected);
            assertThat(form.reference().minCosine()).isEqualTo(ModelForm.EXACT_COSINE);
            assertThat(ModelForm.of(form.id())).isEqualTo(form);
        }
        assertThat(ModelForm.TERSOR_FP32.minCosine()).isEqualTo(ModelForm.EXACT_COSINE);
        assertThat(ModelForm.TERSOR_COMPRESSED.minCosine()).isEqualTo(ModelForm.EXACT_COSINE);
        assertThat(ModelForm.TERSOR_INT8.minCosine()).isEqualTo(ModelForm.QUANTIZED_COSINE);
        assertThatThrownBy(() -> ModelForm.of("tersor-fp16")).hasMessageContaining("unknown model form");
    }
}
