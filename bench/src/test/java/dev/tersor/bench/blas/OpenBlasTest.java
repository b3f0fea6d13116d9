package dev.tersor.bench.blas;

import dev.tersor.kernels.Layouts;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hand-written binding against a double-precision reference. Needs libopenblas-dev, which CI installs. */
class OpenBlasTest {

    private static final OpenBlas BLAS = OpenBlas.load();

    private static MemorySegment random(Arena arena, long n, SplittableRandom random) {
        MemorySegment s = arena.allocate(4 * Math.max(1, n), 64);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(Layouts.F32, i, (float) (2 * random.nextDouble() - 1));
        }
        return s;
    }

    /** Checks {@code Y = A·X} ({@code X} {@code [cols][batch]}) entry by entry within float summation error. */
    private static void assertProduct(int rows, int cols, int batch, MemorySegment a, MemorySegment x, MemorySegment y) {
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < batch; b++) {
                double sum = 0;
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    double t = (double) a.getAtIndex(Layouts.F32, (long) r * cols + c)
                            * x.getAtIndex(Layouts.F32, (long) c * batch + b);
                    sum += t;
                    magnitude += Math.abs(t);
                }
                double got = y.getAtIndex(Layouts.F32, (long) r * batch + b);
                assertThat(Math.abs(got - sum)).as("%dx%d B=%d, row %d batch %d", rows, cols, batch, r, b)
                        .isLessThanOrEqualTo((cols + 8) * Math.scalb(1.0, -23) * magnitude);
            }
        }
    }

    @Test
    void sgemvAndSgemmComputeTheProductInTersorsLayout() {
        SplittableRandom random = new SplittableRandom(5);
        int[][] shapes = {{1, 1}, {1, 37}, {29, 1}, {17, 33}, {64, 300}, {301, 64}};
        for (int threads : new int[]{1, 2}) {
            BLAS.setThreads(threads);
            for (int[] shape : shapes) {
                for (int batch : new int[]{1, 2, 3, 8, 32}) {
                    try (Arena arena = Arena.ofConfined()) {
                        int rows = shape[0];
                        int cols = shape[1];
                        MemorySegment a = random(arena, (long) rows * cols, random);
                        MemorySegment x = random(arena, (long) cols * batch, random);
                        MemorySegment y = arena.allocate(4L * rows * batch);
                        y.fill((byte) 0xFF);
                        BLAS.multiply(rows, cols, batch, a, x, y);
                        assertProduct(rows, cols, batch, a, x, y);
                        if (batch > 1) {
                            y.fill((byte) 0xFF);
                            BLAS.sgemm(rows, cols, batch, a, x, y);
                            assertProduct(rows, cols, batch, a, x, y);
                        } else {
                            y.fill((byte) 0xFF);
                            BLAS.sgemv(rows, cols, a, x, y);
                            assertProduct(rows, cols, 1, a, x, y);
                        }
                    }
                }
            }
        }
    }

    @Test
    void anEmptyInnerDimensionGivesZeros() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(4 * 6);
            y.fill((byte) 0xFF);
            BLAS.sgemm(3, 0, 2, arena.allocate(4), arena.allocate(4), y);
            assertThat(y.toArray(Layouts.F32)).containsOnly(0f);
        }
    }

    @Test
    void threadCountIsSetAndReadBack() {
        BLAS.setThreads(1);
        assertThat(BLAS.threads()).isEqualTo(1);
        BLAS.setThreads(2);
        assertThat(BLAS.threads()).isEqualTo(Math.min(2, Runtime.getRuntime().availableProcessors()));
        assertThatThrownBy(() -> BLAS.setThreads(0)).hasMessageContaining("at least 1");
        BLAS.setThreads(1);
    }

    @Test
    void describesItself() {
        assertThat(BLAS.config()).startsWith("OpenBLAS");
        assertThat(BLAS.coreName()).isNotBlank();
        assertThat(BLAS.library()).isNotBlank();
    }

    @Test
    void badArgumentsNeverReachNativeCode() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(4 * 12);
            MemorySegment x = arena.allocate(4 * 4);
            MemorySegment y = arena.allocate(4 * 3);
            assertThatThrownBy(() -> BLAS.sgemv(3, 5, a, x, y)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("a holds 48 bytes, needs 60");
            assertThatThrownBy(() -> BLAS.sgemm(3, 4, 2, a, x, y)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("x holds 16 bytes, needs 32");
            assertThatThrownBy(() -> BLAS.sgemv(-1, 4, a, x, y)).hasMessageContaining("negative shape");
            assertThatThrownBy(() -> BLAS.sgemm(3, 4, 0, a, x, y)).hasMessageContaining("batch must be at least 1");
            assertThatThrownBy(() -> BLAS.sgemv(3, 4, MemorySegment.ofArray(new float[12]), x, y))
                    .hasMessageContaining("a must be an off-heap segment");
        }
        MemorySegment closed;
        try (Arena arena = Arena.ofConfined()) {
            closed = arena.allocate(64);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ok = arena.allocate(64);
            assertThatThrownBy(() -> BLAS.sgemv(2, 2, closed, ok, ok)).isInstanceOf(IllegalStateException.class);
        }
    }
}
