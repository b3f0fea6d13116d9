package dev.tersor.bench;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Parallelism;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

class ReadBandwidthTest {

    @Test
    void sumsEveryFloatOnOneOrTwoThreads() {
        // sizes around and between multiples of the unrolled vector step
        for (int n : new int[]{0, 1, 7, 63, 64, 65, 1000, 4099}) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment buffer = arena.allocate(4L * n + 4, 64).asSlice(0, 4L * n);
                long expected = 0;
                for (int i = 0; i < n; i++) {
                    int v = i % 13 - 6;
                    buffer.setAtIndex(Layouts.F32, i, v);
                    expected += v;
                }
                for (int threads : new int[]{1, 2}) {
                    assertThat(ReadBandwidth.sum(buffer, Parallelism.of(threads))).as("n=%d T=%d", n, threads)
                            .isEqualTo((float) expected);
                }
            }
        }
    }
}
