package dev.tersor.train;

import dev.tersor.format.QuantizedMatrix;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class UniformQuantizedWeightTest {

    private static final Compute ONE = Compute.of(1);

    @Test
    void aStartOfLevelsTimesRowStepsIsReproducedExactlyAndStoredAsIs() {
        int rows = 3;
        int cols = 5;
        SplittableRandom random = new SplittableRandom(3);
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = random.nextInt(7);
        }
        // levels −3…3 (as GPTQ leaves them, with unused levels in the codebook) and half-precision steps,
        // as the uniform quantizer makes them
        QuantizedMatrix start = QuantizedMatrix.of(rows, cols, new float[]{-3, -2, -1, 0, 1, 2, 3}, codes,
                new float[]{3 / 256f, 19 / 64f, 7f});
        Parameter w = new Parameter("w", Parameter.Kind.WEIGHT, new float[rows * cols], rows, cols);
        UniformQuantizedWeight form = UniformQuantizedWeight.startingAt(w, start);
        assertThat(java.util.Arrays.equals(form.values(), start.toDense())).isTrue();
        assertThat(java.util.Arrays.equals(form.withLearnedSteps().values(), start.toDense())).isTrue();
        // Learned steps live at half precision: a step that is not a half-precision value moves to the nearest one.
        Parameter v = new Parameter("v", Parameter.Kind.WEIGHT, new float[]{1, 2}, 1, 2);
        assertThat(new UniformQuantizedWeight(v, new float[]{0.3f}).withLearnedSteps().currentSteps()[0])
                .isEqualTo(Float.float16ToFloat(Float.floatToFloat16(0.3f)));
        int[] all = {0, 1, 2};
        int[] columns = {0, 1, 2, 3, 4};
        assertThat(java.util.Arrays.equals(form.stored(all, columns).toDense(), start.toDense())).isTrue();

        assertThatThrownBy(() -> UniformQuantizedWeight.startingAt(w, QuantizedMatrix.of(rows, cols, new float[]{0.5f, 1},
                new int[rows * cols], new float[]{1, 1, 1}))).hasMessageContaining("is not an integer");
        assertThatThrownBy(() -> UniformQuantizedWeight.startingAt(w, QuantizedMatrix.of(rows, cols, new float[]{1},
                new int[rows * cols], null))).hasMessageContaining("without row steps");
        assertThatThrownBy(() -> UniformQuantizedWeight.startingAt(w, QuantizedMatrix.of(2, cols, new float[]{1},
                new int[2 * cols], new float[]{1, 1}))).hasMessageContaining("cannot start");
    }

    /**
     * Learned steps follow the step-size estimator: with rounding's offset {@code d = rint(w/s) − w/s}
     * held at the base point, the surrogate {@code w + 2^t·d} has the tape's gradients to w (1) and to
     * t ({@code ln2·s·d}); finite differences of it must match.
     */
    @Test
    void learnedStepGradientsMatchTheSurrogate() {
        SplittableRandom random = new SplittableRandom(11);
        int rows = 4;
        int cols = 9;
        Parameter w = new Parameter("w", Parameter.Kind.WEIGHT, GradientCheck.random(random, rows * cols, 1), rows, cols);
        UniformQuantizedWeight form = new UniformQuantizedWeight(w, new float[]{0.25f, 0.125f, 0.5f, 0.0625f})
                .withLearnedSteps();
        Parameter t = form.parameters().get(1);
        float[] r = GradientCheck.random(random, rows * cols, 1);
        Tape tape = Tape.training(ONE);
        tape.backward(GradientCheck.project(tape, form.weights(tape), r));
        float[] s = form.currentSteps();
        double step = 1e-3;
        for (int row = 0; row < rows; row++) {
            double up = 0;
            double down = 0;
            for (int c = 0; c < cols; c++) {
                int i = row * cols + c;
                double x = w.value()[i] / s[row];
                double offset = Math.rint(x) - x;
                up += r[i] * (w.value()[i] + Math.pow(2, t.value()[row] + step) * offset);
                down += r[i] * (w.value()[i] + Math.pow(2, t.value()[row] - step) * offset);
            }
            double numeric = (up - down) / (2 * step);
            assertThat((double) t.gradient()[row]).as("dt[%d]", row).isCloseTo(numeric, within(1e-4 + 1e-3 * Math.abs(numeric)));
        }
        for (int i = 0; i < rows * cols; i++) {
            assertThat(w.gradient()[i]).isEqualTo(r[i]);
        }
    }

    @Test
    void theRateTermCountsABitPerWeightForEachHalvingOfAStep() {
        Parameter a = new Parameter("a", Parameter.Kind.WEIGHT, new float[6], 2, 3);
        Parameter b = new Parameter("b", Parameter.Kind.WEIGHT, new float[4], 1, 4);
        UniformQuantizedWeight learned = new UniformQuantizedWeight(a, new float[]{0.5f, 0.25f}).withLearnedSteps();
        UniformQuantizedWeight fixed = new UniformQuantizedWeight(b, new float[]{1});
        Tape tape = Tape.training(ONE);
        assertThat((double) UniformQuantizedWeight.rateBits(tape, List.of(learned, fixed)).value()[0]).isCloseTo(0, within(1e-6));
        // Row 0's step halved: its 3 weights cost a bit more each, over 10 weights.
        learned.parameters().get(1).value()[0] -= 1;
        Variable q = UniformQuantizedWeight.rateBits(tape, List.of(learned, fixed));
        assertThat((double) q.value()[0]).isCloseTo(0.3, within(1e-6));
        assertThat(learned.currentSteps()[0]).isEqualTo(0.25f);
        tape.backward(q);
        assertThat(learned.parameters().get(1).gradient()).containsExactly(-0.3f, -0.3f);
    }
}
