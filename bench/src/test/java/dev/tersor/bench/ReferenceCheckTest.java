package dev.tersor.bench;

import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.Layouts;
import dev.tersor.synthetic.MatrixGenerator;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReferenceCheckTest {

    private static final QuantizedMatrix W = MatrixGenerator.builder().rows(37).cols(53).density(0.3)
            .distinctValues(6).seed(3).build().generate();

    /** {@code Y = W·X} in float, straightforwardly. */
    private static MemorySegment product(Arena arena, MemorySegment x, int batch) {
        MemorySegment y = arena.allocate(4L * W.rows() * batch);
        for (int r = 0; r < W.rows(); r++) {
            for (int b = 0; b < batch; b++) {
                float sum = 0;
                for (int c = 0; c < W.cols(); c++) {
                    sum += W.value(r, c) * x.getAtIndex(Layouts.F32, (long) c * batch + b);
                }
                y.setAtIndex(Layouts.F32, (long) r * batch + b, sum);
            }
        }
        return y;
    }

    @Test
    void acceptsACorrectProductAndRejectsOneWrongEntryOrANaN() {
        for (int batch : new int[]{1, 3}) {
            try (Workload workload = new Workload(W, batch); Arena arena = Arena.ofConfined()) {
                MemorySegment y = product(arena, workload.x(), batch);
                assertThatCode(() -> ReferenceCheck.verify(W, workload.x(), y, batch, "plain")).doesNotThrowAnyException();

                long index = 20L * batch + batch - 1;
                float good = y.getAtIndex(Layouts.F32, index);
                y.setAtIndex(Layouts.F32, index, good + 1e-3f);
                assertThatThrownBy(() -> ReferenceCheck.verify(W, workload.x(), y, batch, "off by 1e-3"))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("off by 1e-3 gives a wrong product: row 20 batch " + (batch - 1));

                y.setAtIndex(Layouts.F32, index, Float.NaN);
                assertThatThrownBy(() -> ReferenceCheck.verify(W, workload.x(), y, batch, "nan"))
                        .hasMessageContaining("row 20");
            }
        }
    }
}
