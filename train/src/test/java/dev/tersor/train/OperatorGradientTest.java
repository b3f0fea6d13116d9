package dev.tersor.train;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.tersor.train.GradientCheck.check;
import static dev.tersor.train.GradientCheck.project;
import static dev.tersor.train.GradientCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every operator's gradient against central finite differences, and its forward pass against a plain
 * scalar reference, over odd shapes (not multiples of the kernels' vector widths).
 */
class OperatorGradientTest {

    private static final Compute ONE = Compute.of(1);
    private static final Compute TWO = Compute.of(2);

    private static Parameter parameter(String name, float[] v, int... shape) {
        return new Parameter(name, Parameter.Kind.WEIGHT, v, shape);
    }

    @Test
    void linearMatchesReferenceAndDifferences() {
        SplittableRandom random = new SplittableRandom(1);
        for (int[] s : new int[][]{{1, 3, 2}, {5, 7, 3}, {9, 37, 19}}) {
            int n = s[0], in = s[1], out = s[2];
            Parameter x = parameter("x", random(random, n * in, 1), n, in);
            Parameter w = parameter("w", random(random, out * in, 1), out, in);
            Parameter b = parameter("b", random(random, out, 1), out);
            float[] r = random(random, n * out, 1);
            Variable y = Products.linear(Tape.inference(TWO), x, w, b);
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < out; o++) {
                    double expected = b.value()[o];
                    for (int k = 0; k < in; k++) {
                        expected += (double) x.value()[i * in + k] * w.value()[o * in + k];
                    }
                    assertThat((double) y.value()[i * out + o]).isCloseTo(expected, within(1e-4));
                }
            }
            check(TWO, tape -> project(tape, Products.linear(tape, x, w, b), r), x, w, b);
        }
    }

    @Test
    void convolutionMatchesReferenceAndDifferences() {
        SplittableRandom random = new SplittableRandom(2);
        for (int[] s : new int[][]{{1, 1, 5, 6, 2, 3}, {3, 2, 7, 5, 3, 2}, {2, 3, 9, 8, 5, 4}}) {
            int n = s[0], c = s[1], h = s[2], wd = s[3], o = s[4], k = s[5];
            Parameter x = parameter("x", random(random, n * c * h * wd, 1), n, c, h, wd);
            Parameter w = parameter("w", random(random, o * c * k * k, 1), o, c * k * k);
            Parameter b = parameter("b", random(random, o, 1), o);
            int oh = h - k + 1, ow = wd - k + 1;
            float[] r = random(random, n * o * oh * ow, 1);
            for (Compute compute : new Compute[]{ONE, TWO}) {
                Variable y = Products.conv2d(Tape.inference(compute), x, w, b, k);
                assertThat(y.shape()).containsExactly(n, o, oh, ow);
                for (int img = 0; img < n; img++) {
                    for (int oc = 0; oc < o; oc++) {
                        for (int i = 0; i < oh; i++) {
                            for (int j = 0; j < ow; j++) {
                                double expected = b.value()[oc];
                                for (int ic = 0; ic < c; ic++) {
                                    for (int di = 0; di < k; di++) {
                                        for (int dj = 0; dj < k; dj++) {
                                            expected += (double) x.value()[((img * c + ic) * h + i + di) * wd + j + dj]
                                                    * w.value()[oc * c * k * k + (ic * k + di) * k + dj];
                                        }
                                    }
                                }
                                assertThat((double) y.value()[((img * o + oc) * oh + i) * ow + j]).isCloseTo(expected, within(1e-4));
                            }
                        }
                    }
                }
                check(compute, tape -> project(tape, Products.conv2d(tape, x, w, b, k), r), x, w, b);
                x.zeroGradient();
                w.zeroGradient();
                b.zeroGradient();
            }
        }
    }

    @Test
    void reluAndPoolingAwayFromTheirKinks() {
        SplittableRandom random = new SplittableRandom(3);
        // Values on a grid of step 0.1 with distinct magnitudes: no input within the finite-difference step of 0 or of a tie.
        float[] v = new float[2 * 3 * 5 * 7];
        int[] order = Datasets.permutation(v.length, random);
        for (int i = 0; i < v.length; i++) {
            v[i] = (order[i] - v.length / 2 + 0.5f) * 0.1f;
        }
        Parameter x = parameter("x", v, 2, 3, 5, 7);
        float[] r = random(random, 2 * 3 * 2 * 3, 1);
        Variable pooled = Activations.maxPool2(Tape.inference(ONE), x);
        assertThat(pooled.shape()).containsExactly(2, 3, 2, 3);
        assertThat(pooled.value()[0]).isEqualTo(Math.max(Math.max(v[0], v[1]), Math.max(v[7], v[8])));
        check(ONE, tape -> project(tape, Activations.maxPool2(tape, x), r), x);
        x.zeroGradient();
        float[] r2 = random(random, v.length, 1);
        check(ONE, tape -> project(tape, Activations.relu(tape, x), r2), x);
        x.zeroGradient();
        check(ONE, tape -> project(tape, Activations.reshape(tape, x, 6, 35), r2), x);
    }

    @Test
    void batchNormalizationInTrainingMode() {
        SplittableRandom random = new SplittableRandom(4);
        for (int[] shape : new int[][]{{6, 3}, {3, 2, 3, 4}}) {
            int size = 1;
            for (int d : shape) {
                size *= d;
            }
            Parameter x = parameter("x", random(random, size, 2), shape);
            Parameter gamma = parameter("gamma", random(random, shape[1], 1), shape[1]);
            Parameter beta = parameter("beta", random(random, shape[1], 1), shape[1]);
            float[] r = random(random, size, 1);
            float[] mean = new float[shape[1]];
            float[] variance = new float[shape[1]];
            check(ONE, tape -> project(tape, Normalization.batchNorm(tape, x, gamma, beta, mean, variance, 0.1f, 1e-5f), r),
                    x, gamma, beta);
        }
    }

    @Test
    void batchNormalizationAtInferenceUsesRunningStatistics() {
        Parameter x = parameter("x", new float[]{1, 2, 3, 4}, 2, 2);
        Parameter gamma = parameter("gamma", new float[]{2, 1}, 2);
        Parameter beta = parameter("beta", new float[]{0.5f, 0}, 2);
        float[] mean = {1, 3};
        float[] variance = {4, 1};
        Variable y = Normalization.batchNorm(Tape.inference(ONE), x, gamma, beta, mean, variance, 0.1f, 0);
        assertThat(y.value()).containsExactly(0.5f, -1, 2.5f, 1);
        assertThat(mean).containsExactly(1, 3);
    }

    @Test
    void crossEntropyAndTheLossSum() {
        SplittableRandom random = new SplittableRandom(5);
        Parameter logits = parameter("z", random(random, 4 * 5, 3), 4, 5);
        int[] labels = {0, 4, 2, 2};
        Parameter other = parameter("q", new float[]{1.5f}, 1);
        check(ONE, tape -> Losses.plusScaled(tape, Losses.crossEntropy(tape, logits, labels), 0.3f, other), logits, other);
        // The loss of uniform logits is ln K.
        Variable uniform = Losses.crossEntropy(Tape.inference(ONE), Variable.constant(new float[10], 2, 5), new int[]{1, 3});
        assertThat((double) uniform.value()[0]).isCloseTo(Math.log(5), within(1e-6));
    }

    @Test
    void chainedLayersBackPropagateThroughEachOther() {
        SplittableRandom random = new SplittableRandom(6);
        Network net = new Network("tiny", new int[]{2, 6, 6}, java.util.List.of(
                Layer.Product.conv("c", 2, 3, 3, random), new Layer.Relu(), new Layer.BatchNorm("bn", 3), new Layer.MaxPool(),
                new Layer.Flatten(), Layer.Product.dense("d", 12, 4, random)));
        Variable x = Variable.constant(random(random, 3 * 2 * 6 * 6, 1), 3, 2, 6, 6);
        int[] labels = {1, 3, 0};
        Parameter[] parameters = net.parameters().toArray(Parameter[]::new);
        // A smaller step: through normalization of three examples the loss curves faster than one layer's.
        check(TWO, 1e-3, tape -> Losses.crossEntropy(tape, net.forward(tape, x), labels), parameters);
    }

    @Test
    void prunedAndSharedWeights() {
        SplittableRandom random = new SplittableRandom(7);
        Parameter w = parameter("w", random(random, 6 * 9, 1), 6, 9);
        PrunedWeight pruned = PrunedWeight.of(w, 0.5);
        float[] r = random(random, 54, 1);
        check(ONE, tape -> project(tape, pruned.weights(tape), r), w);
        // A pruned entry gets no gradient and stays zero.
        for (int i = 0; i < 54; i++) {
            if (!pruned.kept(i)) {
                assertThat(w.gradient()[i]).isZero();
                assertThat(pruned.values()[i]).isZero();
            }
        }
        boolean[] kept = new boolean[54];
        for (int i = 0; i < 54; i++) {
            kept[i] = pruned.kept(i);
        }
        SharedWeight shared = SharedWeight.clustered("w", pruned.values(), new int[]{6, 9}, kept, 4);
        check(ONE, tape -> project(tape, shared.weights(tape), r), shared.sharedValues());
    }
}
