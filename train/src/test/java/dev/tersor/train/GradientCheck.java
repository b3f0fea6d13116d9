package dev.tersor.train;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Central finite differences against a tape's gradients. The loss is a fixed random projection of an
 * operation's output, so every output element's gradient matters; values are float, so the step is
 * 1e-2 and the tolerance a few parts in a thousand.
 */
final class GradientCheck {

    static final double STEP = 1e-2;

    private GradientCheck() {
    }

    /** {@code Σ_i y_i·r_i}, a scalar that weighs every element of y differently. */
    static Variable project(Tape tape, Variable y, float[] r) {
        double sum = 0;
        for (int i = 0; i < r.length; i++) {
            sum += (double) y.value()[i] * r[i];
        }
        Variable result = Tape.output(new float[]{(float) sum}, new int[]{1}, y);
        tape.record(() -> {
            float g = result.gradient()[0];
            float[] dy = y.gradient();
            for (int i = 0; i < r.length; i++) {
                dy[i] += g * r[i];
            }
        }, y);
        return result;
    }

    static float[] random(SplittableRandom random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble(-1, 1) * scale);
        }
        return v;
    }

    /**
     * Checks {@code ∂loss/∂input} for every element of each input (up to 40 of them, drawn at random)
     * against central differences of {@code loss}, which builds its value from the inputs' current values
     * on the tape it is given (training tapes throughout, so normalization uses batch statistics).
     */
    static void check(Compute compute, Function<Tape, Variable> loss, Variable... inputs) {
        check(compute, STEP, loss, inputs);
    }

    /** As {@link #check(Compute, Function, Variable...)} with finite-difference step {@code step}. */
    static void check(Compute compute, double step, Function<Tape, Variable> loss, Variable... inputs) {
        Tape tape = Tape.training(compute);
        Variable l = loss.apply(tape);
        tape.backward(l);
        SplittableRandom random = new SplittableRandom(99);
        for (Variable input : inputs) {
            float[] analytic = input.gradient().clone();
            float[] v = input.value();
            int checks = Math.min(40, v.length);
            for (int k = 0; k < checks; k++) {
                int i = v.length <= 40 ? k : random.nextInt(v.length);
                float saved = v[i];
                v[i] = (float) (saved + step);
                double plus = loss.apply(Tape.training(compute)).value()[0];
                v[i] = (float) (saved - step);
                double minus = loss.apply(Tape.training(compute)).value()[0];
                v[i] = saved;
                double numeric = (plus - minus) / (2 * step);
                assertThat((double) analytic[i])
                        .as("d loss / d %s[%d]", input, i)
                        .isCloseTo(numeric, org.assertj.core.data.Offset.offset(3e-3 + 1e-2 * Math.abs(numeric)));
            }
        }
    }
}
