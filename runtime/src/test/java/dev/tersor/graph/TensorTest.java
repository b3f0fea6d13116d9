package dev.tersor.graph;

import dev.tersor.format.ElementType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorTest {

    @Test
    void aPassResultIsAHeapCopyThatReadsLikeItsSource() {
        Tensor floats = Tensor.of(new float[]{1.5f, -2f, 3.25f, 0f, 7f, -0f}, 2, 3);
        Tensor result = Tensor.resultOf(ElementType.F32, new int[]{2, 3}, floats.data());
        assertThat(result.data().isNative()).isFalse();
        assertThat(result.contentEquals(floats)).isTrue();
        assertThat(result.toFloatArray()).containsExactly(floats.toFloatArray());
        assertThat(result.shape()).containsExactly(2, 3);

        Tensor longs = Tensor.ofLongs(new long[]{Long.MIN_VALUE, 0, 42}, 3);
        assertThat(Tensor.resultOf(ElementType.I64, new int[]{3}, longs.data()).toLongArray())
                .containsExactly(Long.MIN_VALUE, 0, 42);

        // a byte count that is no multiple of the backing array's eight bytes
        Tensor bytes = Tensor.ofBytes(ElementType.U8, new byte[]{1, 2, 3, 4, (byte) 255}, 5);
        Tensor byteResult = Tensor.resultOf(ElementType.U8, new int[]{5}, bytes.data());
        assertThat(byteResult.data().byteSize()).isEqualTo(5);
        assertThat(byteResult.toByteArray()).containsExactly(1, 2, 3, 4, (byte) 255);
    }

    @Test
    void aPassResultMustHoldExactlyTheBytesOfItsShape() {
        Tensor floats = Tensor.of(new float[]{1, 2, 3}, 3);
        assertThatThrownBy(() -> Tensor.resultOf(ElementType.F32, new int[]{4}, floats.data()))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("needs 16 bytes, got 12");
    }
}
