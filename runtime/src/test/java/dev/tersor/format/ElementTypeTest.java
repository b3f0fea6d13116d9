package dev.tersor.format;

import dev.tersor.kernels.IndexWidth;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one element-type vocabulary: every name and id finds its row, and each row's facts agree. */
class ElementTypeTest {

    @Test
    void safetensorsNamesAndOnnxIdsFindTheirRow() {
        Set<Integer> ids = new HashSet<>();
        for (ElementType type : ElementType.values()) {
            assertThat(ElementType.fromSafetensors(type.safetensorsName())).isSameAs(type);
            assertThat(ElementType.fromOnnx(type.onnxId())).isSameAs(type);
            assertThat(ElementType.onnxName(type.onnxId())).isEqualTo(type.onnxName());
            assertThat(ids.add(type.onnxId())).as("ONNX id of %s is unique", type).isTrue();
        }
        assertThat(ElementType.fromSafetensors("F8_E4M3")).isNull();
        assertThat(ElementType.onnxName(8)).isEqualTo("STRING");
        assertThat(ElementType.onnxName(99)).isEqualTo("type 99");
    }

    @Test
    void tensorsHoldTheTypesTheOperatorsComputeOn() {
        assertThat(List.of(ElementType.values()).stream().filter(ElementType::isTensor).toList())
                .containsExactlyInAnyOrder(ElementType.F32, ElementType.I64, ElementType.I32, ElementType.I8,
                        ElementType.U8, ElementType.BOOL);
        assertThat(ElementType.tensorFromOnnx(ElementType.F16.onnxId())).isNull();
        assertThat(ElementType.tensorFromOnnx(1)).isSameAs(ElementType.F32);
        assertThat(ElementType.F32.isInteger()).isFalse();
        assertThat(ElementType.I64.isInteger()).isTrue();
    }

    @Test
    void bytesMatchTheDtypes() {
        for (ElementType type : ElementType.values()) {
            int bits = Integer.parseInt(type.name().replaceAll("\\D", "").isEmpty() ? "8" : type.name().replaceAll("\\D", ""));
            assertThat(type.bytes()).as("%s", type).isEqualTo(bits / 8);
        }
    }

    @Test
    void indexTypesAreTheKernelsIndexWidths() {
        for (IndexWidth width : IndexWidth.values()) {
            ElementType type = ElementType.of(width);
            assertThat(type.isIndex()).isTrue();
            assertThat(type.isLayout()).isTrue();
            assertThat(type.indexWidth()).isSameAs(width);
            assertThat(type.bytes()).isEqualTo(width.bytes());
        }
        assertThat(ElementType.U64.isIndex()).isFalse();
        assertThatThrownBy(ElementType.I32::indexWidth).isInstanceOf(IllegalStateException.class);
    }
}
