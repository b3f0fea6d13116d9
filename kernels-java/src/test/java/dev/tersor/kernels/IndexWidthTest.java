package dev.tersor.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IndexWidthTest {

    @Test
    void narrowestWidthAtTheBoundaries() {
        assertThat(IndexWidth.forMaxValue(0)).isEqualTo(IndexWidth.U8);
        assertThat(IndexWidth.forMaxValue(255)).isEqualTo(IndexWidth.U8);
        assertThat(IndexWidth.forMaxValue(256)).isEqualTo(IndexWidth.U16);
        assertThat(IndexWidth.forMaxValue(65_535)).isEqualTo(IndexWidth.U16);
        assertThat(IndexWidth.forMaxValue(65_536)).isEqualTo(IndexWidth.U32);
        assertThat(IndexWidth.forMaxValue(Integer.MAX_VALUE)).isEqualTo(IndexWidth.U32);
        assertThatThrownBy(() -> IndexWidth.forMaxValue(1L << 31)).hasMessageContaining("u32 limit");
        assertThatThrownBy(() -> IndexWidth.forMaxValue(-1)).hasMessageContaining("unsigned");
    }

    @Test
    void valuesRoundTripUnsignedAndLittleEndian() {
        try (Arena arena = Arena.ofConfined()) {
            for (IndexWidth width : IndexWidth.values()) {
                MemorySegment segment = arena.allocate(width.byteSize(3));
                int max = (int) width.maxValue();
                width.set(segment, 0, 0);
                width.set(segment, 1, max);
                width.set(segment, 2, 1);
                assertThat(width.get(segment, 0)).isZero();
                assertThat(width.get(segment, 1)).isEqualTo(max);
                assertThat(segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2L * width.bytes())).isEqualTo((byte) 1);
                assertThat(new IndexArray(segment, width).length()).isEqualTo(3);
            }
        }
        assertThat(IndexWidth.ofBytes(2)).isEqualTo(IndexWidth.U16);
        assertThatThrownBy(() -> IndexWidth.ofBytes(3)).hasMessageContaining("1, 2 or 4");
    }
}
