package dev.tersor.bench;

import dev.tersor.format.Execution;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Checks a benchmark's product once against a double-precision dense reference before it is timed. */
final class ReferenceCheck {

    private ReferenceCheck() {
    }

    static void verify(QuantizedMatrix source, WeightMatrix matrix, Execution execution, MemorySegment x, int batch) {
        int rows = source.rows();
        int cols = source.cols();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(4L * rows * batch);
            matrix.multiply(x, y, batch, execution);
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < batch; b++) {
                    double sum = 0;
                    double magnitude = 0;
                    double largest = 0;
                    double inputs = 0;
                    for (int j = 0; j < cols; j++) {
                        double w = source.value(r, j);
                        double xj = x.getAtIndex(Layouts.F32, (long) j * batch + b);
                        sum += w * xj;
                        magnitude += Math.abs(w * xj);
                        largest = Math.max(largest, Math.abs(w));
                        inputs += Math.abs(xj);
                    }
                    double got = y.getAtIndex(Layouts.F32, (long) r * batch + b);
                    // float summation bound; the implicit-value rewrite can add up to |ω0|·Σ|x| ≤ max|w|·Σ|x| twice
                    double bound = (cols + 8) * Math.scalb(1.0, -23) * (magnitude + 2 * largest * inputs);
                    if (!(Math.abs(got - sum) <= bound)) {
                        throw new IllegalStateException(matrix.formatName() + " on " + execution.kernels().name()
                                + ": row " + r + " batch " + b + " gives " + got + ", reference " + sum);
                    }
                }
            }
        }
    }
}
