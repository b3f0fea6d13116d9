package dev.tersor.bench;

import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Checks a product once against a double-precision reference before it is timed, so that a fast
 * wrong kernel cannot win. Every trial of every benchmark calls it on its own output.
 */
public final class ReferenceCheck {

    private ReferenceCheck() {
    }

    /**
     * Throws {@link IllegalStateException} naming the first entry of {@code y} (laid out
     * {@code [rows][batch]}) that differs from {@code W·X} by more than float32 summation allows.
     *
     * @param x    {@code [cols][batch]}
     * @param what names the product in the message, e.g. {@code "cser/vector"}
     */
    public static void verify(QuantizedMatrix source, MemorySegment x, MemorySegment y, int batch, String what) {
        expected(source, x, batch).check(y, what, false);
    }

    /**
     * The reference product {@code W·X} and each entry's tolerance, computed once: trials of the same
     * matrix and input that share a JVM check against it without recomputing.
     */
    public record Expected(int rows, int batch, double[] values, double[] tolerances, double[] int8Tolerances) {

        /**
         * Throws {@link IllegalStateException} naming the first entry of {@code y} out of tolerance;
         * {@code int8Activations} adds the activation quantization's bound.
         */
        public void check(MemorySegment y, String what, boolean int8Activations) {
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < batch; b++) {
                    int i = r * batch + b;
                    double got = y.getAtIndex(Layouts.F32, i);
                    double tolerance = tolerances[i] + (int8Activations ? int8Tolerances[i] : 0);
                    if (!(Math.abs(got - values[i]) <= tolerance)) {
                        throw new IllegalStateException(what + " gives a wrong product: row " + r + " batch " + b
                                + " is " + got + ", the reference " + values[i] + " (tolerance " + tolerance + ")");
                    }
                }
            }
        }
    }

    /** {@code W·X} in double precision with the float32 summation bound of each entry. */
    public static Expected expected(QuantizedMatrix source, MemorySegment x, int batch) {
        int rows = source.rows();
        int cols = source.cols();
        float[] xs = x.asSlice(0, 4L * cols * batch).toArray(Layouts.F32);
        double[] inputs = new double[batch];
        double[] largestInput = new double[batch];
        for (int j = 0; j < cols; j++) {
            for (int b = 0; b < batch; b++) {
                inputs[b] += Math.abs(xs[j * batch + b]);
                largestInput[b] = Math.max(largestInput[b], Math.abs(xs[j * batch + b]));
            }
        }
        double[] int8Tolerances = new double[rows * batch];
        double[] values = new double[rows * batch];
        double[] tolerances = new double[rows * batch];
        double[] sum = new double[batch];
        double[] magnitude = new double[batch];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(sum, 0);
            Arrays.fill(magnitude, 0);
            double largest = 0;
            double rowMagnitude = 0;
            for (int j = 0; j < cols; j++) {
                double w = source.value(r, j);
                if (w == 0) {
                    continue;
                }
                largest = Math.max(largest, Math.abs(w));
                rowMagnitude += Math.abs(w);
                int base = j * batch;
                for (int b = 0; b < batch; b++) {
                    double t = w * xs[base + b];
                    sum[b] += t;
                    magnitude[b] += Math.abs(t);
                }
            }
            for (int b = 0; b < batch; b++) {
                values[r * batch + b] = sum[b];
                // float summation bound; the implicit-value rewrite can add up to |ω0|·Σ|x| ≤ max|w|·Σ|x| twice
                tolerances[r * batch + b] = (cols + 8) * Math.scalb(1.0, -23) * (magnitude[b] + 2 * largest * inputs[b]);
                // int8 activations: half a step of the column's scale (at most max|x|/127) per weight
                int8Tolerances[r * batch + b] = rowMagnitude * largestInput[b] / 254 * 1.001;
            }
        }
        return new Expected(rows, batch, values, tolerances, int8Tolerances);
    }
}
