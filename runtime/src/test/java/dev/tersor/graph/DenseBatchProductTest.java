package dev.tersor.graph;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Execution;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.Kernels;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The dense batched product the Linear layers lean on, exhaustively over the batch sizes around the
 * vector width and its blocks (1 to 70, 127, 128, 129) and row counts around the 4- and 8-row blocks,
 * with X exactly as large as it must be (so tail blocks cannot read past it) and in off-heap memory
 * as the runtime passes it.
 */
class DenseBatchProductTest {

    @Test
    void matchesDoubleMathForEveryBatchShape() {
        Random random = new Random(5);
        int[] batches = new int[73];
        for (int i = 0; i < 70; i++) {
            batches[i] = i + 1;
        }
        batches[70] = 127;
        batches[71] = 128;
        batches[72] = 129;
        for (Kernels kernels : Kernels.available()) {
            Execution execution = Execution.defaults().withKernels(kernels);
            for (int rows : new int[]{1, 3, 4, 7, 8, 9, 12, 13, 33}) {
                int cols = 1 + random.nextInt(50);
                float[] w = new float[rows * cols];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) random.nextGaussian();
                }
                try (WeightMatrix matrix = MatrixFormats.named("dense").encode(DenseMatrixView.of(rows, cols, w));
                     Arena arena = Arena.ofConfined()) {
                    for (int batch : batches) {
                        MemorySegment x = arena.allocate(4L * cols * batch);
                        MemorySegment y = arena.allocate(4L * rows * batch);
                        float[] xs = new float[cols * batch];
                        for (int i = 0; i < xs.length; i++) {
                            xs[i] = (float) random.nextGaussian();
                        }
                        MemorySegment.copy(xs, 0, x, dev.tersor.kernels.Layouts.F32, 0, xs.length);
                        matrix.multiply(x, y, batch, execution);
                        for (int r = 0; r < rows; r++) {
                            for (int b = 0; b < batch; b++) {
                                double e = 0;
                                double mag = 0;
                                for (int j = 0; j < cols; j++) {
                                    e += (double) w[r * cols + j] * xs[j * batch + b];
                                    mag += Math.abs((double) w[r * cols + j] * xs[j * batch + b]);
                                }
                                float actual = y.getAtIndex(dev.tersor.kernels.Layouts.F32, (long) r * batch + b);
                                assertThat((double) actual).as("%s %dx%d batch %d at (%d, %d)", kernels.name(), rows, cols, batch, r, b)
                                        .isCloseTo(e, within(1e-6 * (mag + 1)));
                            }
                        }
                    }
                }
            }
        }
    }
}
