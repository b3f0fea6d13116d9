package dev.tersor.train;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.tersor.train.GradientCheck.check;
import static dev.tersor.train.GradientCheck.project;
import static dev.tersor.train.GradientCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The transformer operators' gradients against finite differences, and their values against references. */
class SequenceOpsTest {

    private static final Compute ONE = Compute.of(1);

    private static Parameter parameter(String name, float[] v, int... shape) {
        return new Parameter(name, Parameter.Kind.WEIGHT, v, shape);
    }

    @Test
    void errorFunctionMatchesKnownValues() {
        assertThat(SequenceOps.erf(0)).isZero();
        assertThat(SequenceOps.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-13));
        assertThat(SequenceOps.erf(-1)).isCloseTo(-0.8427007929497149, within(1e-13));
        assertThat(SequenceOps.erf(2)).isCloseTo(0.9953222650189527, within(1e-13));
        assertThat(SequenceOps.erf(2.999)).isCloseTo(0.9999777698314002, within(1e-12));
        assertThat(SequenceOps.erf(3.001)).isCloseTo(0.9999780483390822, within(1e-12));
        assertThat(SequenceOps.erf(3.5)).isCloseTo(0.9999992569016276, within(1e-13));
        assertThat(SequenceOps.erf(7)).isEqualTo(1.0);
    }

    @Test
    void embeddingAddAndLayerNorm() {
        SplittableRandom random = new SplittableRandom(1);
        Parameter table = parameter("table", random(random, 7 * 5, 1), 7, 5);
        int[] ids = {3, 0, 3, 6};
        Parameter other = parameter("other", random(random, 4 * 5, 1), 4, 5);
        Parameter gamma = parameter("gamma", random(random, 5, 1), 5);
        Parameter beta = parameter("beta", random(random, 5, 1), 5);
        float[] r = random(random, 20, 1);
        check(ONE, tape -> project(tape, SequenceOps.layerNorm(tape,
                SequenceOps.add(tape, SequenceOps.embedding(tape, table, ids), other), gamma, beta, 1e-12f), r),
                table, other, gamma, beta);
        // Rows never looked up get no gradient.
        for (int j = 0; j < 5; j++) {
            assertThat(table.gradient()[1 * 5 + j]).isZero();
        }
        Variable normalized = SequenceOps.layerNorm(Tape.inference(ONE), Variable.constant(new float[]{1, 2, 3, 4}, 1, 4),
                Variable.constant(new float[]{1, 1, 1, 1}, 4), Variable.constant(new float[4], 4), 0);
        double s = Math.sqrt(1.25);
        assertThat(normalized.value()[0]).isCloseTo((float) (-1.5 / s), within(1e-6f));
        assertThat(normalized.value()[3]).isCloseTo((float) (1.5 / s), within(1e-6f));
    }

    @Test
    void gelu() {
        SplittableRandom random = new SplittableRandom(2);
        Parameter x = parameter("x", random(random, 30, 3), 30);
        float[] r = random(random, 30, 1);
        check(ONE, tape -> project(tape, SequenceOps.gelu(tape, x), r), x);
        Variable y = SequenceOps.gelu(Tape.inference(ONE), Variable.constant(new float[]{1, -1}, 2));
        assertThat(y.value()[0]).isCloseTo(0.8413447f, within(1e-6f));
        assertThat(y.value()[1]).isCloseTo(-0.15865526f, within(1e-6f));
    }

    @Test
    void attentionOverPaddedSequences() {
        SplittableRandom random = new SplittableRandom(3);
        int batch = 2, tokens = 4, width = 6, heads = 2;
        int[] lengths = {4, 2};
        Parameter q = parameter("q", random(random, batch * tokens * width, 1), batch * tokens, width);
        Parameter k = parameter("k", random(random, batch * tokens * width, 1), batch * tokens, width);
        Parameter v = parameter("v", random(random, batch * tokens * width, 1), batch * tokens, width);
        float[] r = random(random, batch * tokens * width, 1);
        check(ONE, tape -> project(tape, SequenceOps.attention(tape, q, k, v, lengths, heads), r), q, k, v);
        // Padding neither attends nor is attended to: its rows are zero and its keys and values get no gradient.
        Variable y = SequenceOps.attention(Tape.inference(ONE), q, k, v, lengths, heads);
        for (int t = 2; t < 4; t++) {
            for (int j = 0; j < width; j++) {
                int i = (tokens + t) * width + j;
                assertThat(y.value()[i]).isZero();
                assertThat(k.gradient()[i]).isZero();
                assertThat(v.gradient()[i]).isZero();
            }
        }
        // One token attends only to itself: the output is its value.
        Variable single = SequenceOps.attention(Tape.inference(ONE), q, k, v, new int[]{1, 1}, heads);
        for (int j = 0; j < width; j++) {
            assertThat(single.value()[j]).isCloseTo(v.value()[j], within(1e-6f));
        }
    }

    @Test
    void meanPoolingAndCosineDistance() {
        SplittableRandom random = new SplittableRandom(4);
        int[] lengths = {3, 1};
        Parameter x = parameter("x", random(random, 2 * 3 * 4, 1), 6, 4);
        float[] target = random(random, 2 * 4, 1);
        check(ONE, tape -> SequenceOps.cosineDistance(tape, SequenceOps.meanPool(tape, x, lengths), target), x);
        Variable pooled = SequenceOps.meanPool(Tape.inference(ONE), x, lengths);
        assertThat(pooled.value()[4]).isEqualTo(x.value()[12]);
        Variable same = SequenceOps.cosineDistance(Tape.inference(ONE), Variable.constant(new float[]{1, 2, 3, 4}, 1, 4),
                new float[]{2, 4, 6, 8});
        assertThat(same.value()[0]).isCloseTo(0f, within(1e-7f));
    }

    /** Hidden states against fixed targets: the gradient, and padding rows that count for nothing. */
    @Test
    void relativeSquaredErrorIgnoresPadding() {
        SplittableRandom random = new SplittableRandom(5);
        int[] lengths = {3, 1};
        Parameter x = parameter("x", random(random, 2 * 3 * 4, 1), 6, 4);
        float[] target = random(random, 2 * 3 * 4, 1);
        check(ONE, tape -> SequenceOps.relativeSquaredError(tape, x, target, lengths), x);
        double error = 0;
        double size = 0;
        for (int row : new int[]{0, 1, 2, 3}) {
            for (int j = 0; j < 4; j++) {
                int i = row * 4 + j;
                error += Math.pow(x.value()[i] - target[i], 2);
                size += Math.pow(target[i], 2);
            }
        }
        float[] paddedElsewhere = target.clone();
        for (int i = 4 * 4; i < 6 * 4; i++) {
            paddedElsewhere[i] += 100;
        }
        assertThat(SequenceOps.relativeSquaredError(Tape.inference(ONE), x, target, lengths).value()[0])
                .isCloseTo((float) (error / size), within(1e-6f))
                .isEqualTo(SequenceOps.relativeSquaredError(Tape.inference(ONE), x, paddedElsewhere, lengths).value()[0]);
    }
}
