package dev.tersor.kernels;

import dev.tersor.kernels.arrays.GroupedArrays;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The §1.4 example of the methods brief, with the CER and CSER arrays written out by hand, through
 * every provider: y = (20, 10, 19, 23) for x = (1 … 6), for batch 1 and for a batch of three.
 */
class WorkedExampleKernelTest {

    static final MemorySegment OMEGA = MemorySegment.ofArray(new float[]{0, 2, 1, 3});
    static final IndexArray COL = u8(1, 4, 5, 0, 3, 4, 2, 1, 2, 5, 0);
    static final MemorySegment X = MemorySegment.ofArray(new float[]{1, 2, 3, 4, 5, 6});

    static IndexArray u8(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return new IndexArray(MemorySegment.ofArray(bytes), IndexWidth.U8);
    }

    @Test
    void cerAndCserGiveTheExampleProduct() {
        for (Kernels k : Kernels.available()) {
            float[] y = new float[4];
            k.matMul(GroupedArrays.cer(4, 6, OMEGA, COL, u8(0, 2, 3, 5, 6, 6, 7, 10, 11), u8(0, 2, 3, 6, 8),
                    MemorySegment.NULL), 1, X, MemorySegment.ofArray(y), 0, 4);
            assertThat(y).as("cer on " + k).containsExactly(20, 10, 19, 23);
            float[] z = new float[4];
            k.matMul(new GroupedArrays(4, 6, OMEGA, COL, u8(1, 2, 1, 1, 3, 1, 2), u8(0, 2, 3, 5, 6, 7, 10, 11),
                    u8(0, 2, 3, 5, 7), MemorySegment.NULL), 1, X, MemorySegment.ofArray(z), 0, 4);
            assertThat(z).as("cser on " + k).containsExactly(20, 10, 19, 23);
        }
    }

    @Test
    void batchesAndRowRangesAndScales() {
        // X[j][b] = (j + 1)·(b + 1): column b is (b + 1)·x, so Y[r][b] = (b + 1)·y[r]
        float[] xs = new float[18];
        for (int j = 0; j < 6; j++) {
            for (int b = 0; b < 3; b++) {
                xs[j * 3 + b] = (j + 1) * (b + 1);
            }
        }
        MemorySegment scales = MemorySegment.ofArray(new float[]{1, 2, 0.5f, -1});
        for (Kernels k : Kernels.available()) {
            float[] y = new float[12];
            k.matMul(new GroupedArrays(4, 6, OMEGA, COL, u8(1, 2, 1, 1, 3, 1, 2), u8(0, 2, 3, 5, 6, 7, 10, 11),
                    u8(0, 2, 3, 5, 7), scales), 3, MemorySegment.ofArray(xs), MemorySegment.ofArray(y), 1, 3);
            assertThat(y).as("cser rows 1..3 on " + k)
                    .containsExactly(0, 0, 0, 20, 40, 60, 9.5f, 19, 28.5f, 0, 0, 0);
        }
    }
}
