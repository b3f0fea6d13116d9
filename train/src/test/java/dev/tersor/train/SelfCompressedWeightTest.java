package dev.tersor.train;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SelfCompressedWeightTest {

    private static final Compute ONE = Compute.of(1);

    private static SelfCompressedWeight weight(float[] w, int rows, float[] bits, float[] exponents) {
        return new SelfCompressedWeight(new Parameter("w", Parameter.Kind.WEIGHT, w, rows, w.length / rows),
                new Parameter("w.bits", Parameter.Kind.QUANTIZER, bits, rows),
                new Parameter("w.exponents", Parameter.Kind.QUANTIZER, exponents, rows));
    }

    @Test
    void quantizesTheWorkedExampleOfTheMethodsBrief() {
        // methods.md §5.4: (0.30, −0.12, 0.05, −0.61), b = 3, e = −3 → (0.25, −0.125, 0, −0.5).
        SelfCompressedWeight w = weight(new float[]{0.30f, -0.12f, 0.05f, -0.61f}, 1, new float[]{3}, new float[]{-3});
        assertThat(w.quantizedValues()).containsExactly(0.25f, -0.125f, 0f, -0.5f);
        // A real exponent is rounded: e = −3.4 acts as −3.
        SelfCompressedWeight rounded = weight(new float[]{0.30f, -0.12f, 0.05f, -0.61f}, 1, new float[]{3}, new float[]{-3.4f});
        assertThat(rounded.quantizedValues()).containsExactly(0.25f, -0.125f, 0f, -0.5f);
    }

    @Test
    void aRowWithoutBitsIsZero() {
        SelfCompressedWeight w = weight(new float[]{0.3f, -0.7f, 0.2f, 0.9f}, 2, new float[]{-0.01f, 0.4f}, new float[]{-2, -1});
        float[] q = w.quantizedValues();
        assertThat(q[0]).isZero();
        assertThat(q[1]).isZero();
        // Depth 0.4: the range [−2^−0.6, 2^−0.6 − 1] ≈ [−0.66, −0.34] rounds to −1 or 0, times 2^−1.
        assertThat(q[2] + 0f).isIn(0f, -0.5f);
        assertThat(q[3] + 0f).isIn(0f, -0.5f);
    }

    /**
     * The gradient of the straight-through estimator is the gradient of the surrogate
     * {@code 2^ê'·(clamp(2^−ê'·w, lo(b), hi(b)) + d)}, where d (rounding's offset) is held at its
     * value at the base point and {@code ê' = rint(e₀) + (e − e₀)}: finite differences of that surrogate
     * must match the tape's gradients to w, b and e.
     */
    @Test
    void straightThroughGradientsMatchTheSurrogate() {
        SplittableRandom random = new SplittableRandom(7);
        int rows = 3;
        int cols = 11;
        float[] w = GradientCheck.random(random, rows * cols, 1);
        float[] bits = {2.3f, 3.6f, 1.7f};
        float[] exponents = {-1.2f, -2.9f, -0.6f};
        SelfCompressedWeight sc = weight(w, rows, bits, exponents);
        float[] r = GradientCheck.random(random, rows * cols, 1);
        Tape tape = Tape.training(ONE);
        tape.backward(GradientCheck.project(tape, sc.quantized(tape), r));
        double[] offsets = new double[rows * cols];
        float[] q = sc.quantizedValues();
        for (int i = 0; i < offsets.length; i++) {
            int row = i / cols;
            double e = Math.rint(exponents[row]);
            offsets[i] = q[i] / Math.pow(2, e) - clamp(w[i] / Math.pow(2, e), bits[row]);
        }
        double step = 1e-4;
        for (int i = 0; i < rows * cols; i++) {
            int row = i / cols;
            double numeric = (surrogate(w, bits, exponents, offsets, r, cols, i, step, 0, 0, row)
                    - surrogate(w, bits, exponents, offsets, r, cols, i, -step, 0, 0, row)) / (2 * step);
            assertThat((double) sc.weight().gradient()[i]).as("dw[%d]", i).isCloseTo(numeric, within(1e-3));
        }
        for (int row = 0; row < rows; row++) {
            double db = (surrogate(w, bits, exponents, offsets, r, cols, -1, 0, step, 0, row)
                    - surrogate(w, bits, exponents, offsets, r, cols, -1, 0, -step, 0, row)) / (2 * step);
            double de = (surrogate(w, bits, exponents, offsets, r, cols, -1, 0, 0, step, row)
                    - surrogate(w, bits, exponents, offsets, r, cols, -1, 0, 0, -step, row)) / (2 * step);
            assertThat((double) sc.bits().gradient()[row]).as("db[%d]", row).isCloseTo(db, within(1e-3 + 1e-3 * Math.abs(db)));
            assertThat((double) sc.exponents().gradient()[row]).as("de[%d]", row).isCloseTo(de, within(1e-3 + 1e-3 * Math.abs(de)));
        }
    }

    private static double clamp(double x, double b) {
        double depth = Math.max(0, b);
        return Math.max(-Math.pow(2, depth - 1), Math.min(Math.pow(2, depth - 1) - 1, x));
    }

    /** Σ r·surrogate over row {@code row}, with weight {@code i} moved by dw and the row's b and e by db, de. */
    private static double surrogate(float[] w, float[] bits, float[] exponents, double[] offsets, float[] r, int cols, int i,
                                    double dw, double db, double de, int row) {
        double sum = 0;
        double e = Math.rint(exponents[row]) + de;
        double b = bits[row] + db;
        for (int c = 0; c < cols; c++) {
            int k = row * cols + c;
            double wk = w[k] + (k == i ? dw : 0);
            sum += r[k] * Math.pow(2, e) * (clamp(wk / Math.pow(2, e), b) + offsets[k]);
        }
        return sum;
    }

    @Test
    void theSizeTermIsTheAverageDepthAndItsGradientTheFanInShare() {
        SelfCompressedWeight a = weight(new float[6], 2, new float[]{2, -1}, new float[]{0, 0});
        SelfCompressedWeight b = weight(new float[12], 3, new float[]{1, 3, 20}, new float[]{0, 0, 0});
        Tape tape = Tape.training(ONE);
        Variable q = SelfCompressedWeight.averageBits(tape, List.of(a, b));
        // fan-ins 3 and 4, 18 weights: (3·(2 + 0) + 4·(1 + 3 + 16)) / 18
        assertThat((double) q.value()[0]).isCloseTo((3 * 2 + 4 * 20) / 18.0, within(1e-6));
        tape.backward(q);
        assertThat(a.bits().gradient()).containsExactly(3 / 18f, 0);
        assertThat(b.bits().gradient()).containsExactly(4 / 18f, 4 / 18f, 0);
    }

    @Test
    void initialExponentsPutEachRowsLargestValueAtTheTopOfItsRange() {
        Parameter w = new Parameter("w", Parameter.Kind.WEIGHT, new float[]{0.5f, -0.25f, 0, 0, 0.01f, -0.03f}, 3, 2);
        SelfCompressedWeight sc = SelfCompressedWeight.over(w, 4);
        assertThat(sc.exponent(0)).isEqualTo(-4);
        assertThat(sc.quantizedValues()[0]).isEqualTo(0.4375f);
        assertThat(sc.quantizedValues()[2]).isZero();
        assertThat(sc.depth(1)).isEqualTo(4);
    }
}
