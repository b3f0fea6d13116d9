package dev.tersor.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompressionTrainingTest {

    /** Ten noisy prototypes of 28×28: learnable in a few dozen steps. */
    static Datasets.Split prototypes(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] prototype = new float[10][784];
        for (float[] p : prototype) {
            for (int i = 0; i < p.length; i++) {
                p[i] = random.nextDouble() < 0.2 ? 1 : 0;
            }
        }
        return new Datasets.Split(draw("train", prototype, 640, random), draw("test", prototype, 200, random));
    }

    private static ImageDataset draw(String name, float[][] prototype, int count, SplittableRandom random) {
        float[] pixels = new float[count * 784];
        int[] labels = new int[count];
        for (int n = 0; n < count; n++) {
            labels[n] = random.nextInt(10);
            for (int i = 0; i < 784; i++) {
                float noise = (float) random.nextDouble(-0.4, 0.4);
                pixels[n * 784 + i] = Math.min(1, Math.max(0, prototype[labels[n]][i] + noise));
            }
        }
        return new ImageDataset(name, pixels, labels, 1, 28, 28, 10);
    }

    private static CompressionTraining.Options options(int steps, double gamma) {
        return options(steps, new CompressionTraining.SelfCompression(gamma, 4));
    }

    private static CompressionTraining.Options options(int steps, CompressionTraining.Method method) {
        return new CompressionTraining.Options("lenet-300-100", "prototypes", 5, 32, steps, steps, 2e-3, method, 2);
    }

    /** Fails the run at a step, as a killed process would stop. */
    private static final class Interruption extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static CompressionTraining.Listener quiet(String failPhase, int failStep) {
        return new CompressionTraining.Listener() {
            @Override
            public void step(String phase, int step, int steps, double loss, double bitsPerWeight) {
                if (phase.equals(failPhase) && step == failStep) {
                    throw new Interruption();
                }
            }

            @Override
            public void message(String line) {
            }
        };
    }

    @Test
    void compressesALearnableTaskAndTheRuntimeAgrees(@TempDir Path dir) throws Exception {
        Datasets.Split data = prototypes(1);
        CompressionTraining training = new CompressionTraining(options(60, 0.5), data);
        CompressionTraining.Result result = training.run(dir.resolve("out.tsr"), null, false, 60, quiet("", 0));
        assertThat(result.baselineAccuracy()).isGreaterThan(0.9);
        assertThat(result.accuracy()).isGreaterThan(0.9);
        // From 4 bits per weight at the start, the size term pulls well below; some hidden units go entirely.
        assertThat(result.bitsPerWeight()).isLessThan(3.5);
        assertThat(result.bytes()).isLessThan(result.fp32Bytes() / 8);
        assertThat(result.fp32Bytes()).isEqualTo(4L * (784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10));
        assertThat(result.fileBytes()).isEqualTo(Files.size(dir.resolve("out.tsr")));
    }

    @Test
    void aResumedRunEndsWhereAnUninterruptedOneDoes(@TempDir Path dir) throws Exception {
        Datasets.Split data = prototypes(2);
        CompressionTraining.Result straight = new CompressionTraining(options(40, 0.2), data)
                .run(dir.resolve("straight.tsr"), dir.resolve("straight"), false, 60, quiet("", 0));
        Path checkpoints = dir.resolve("interrupted");
        // Stopped in each phase in turn: checkpoints are written after every step (interval 0).
        assertThatThrownBy(() -> new CompressionTraining(options(40, 0.2), data)
                .run(dir.resolve("resumed.tsr"), checkpoints, false, 0, quiet("float", 25)))
                .isInstanceOf(Interruption.class);
        assertThat(Checkpoint.read(checkpoints.resolve("checkpoint.bin")).step()).isEqualTo(24);
        assertThatThrownBy(() -> new CompressionTraining(options(40, 0.2), data)
                .run(dir.resolve("resumed.tsr"), checkpoints, true, 0, quiet("self-compression", 25)))
                .isInstanceOf(Interruption.class);
        CompressionTraining.Result resumed = new CompressionTraining(options(40, 0.2), data)
                .run(dir.resolve("resumed.tsr"), checkpoints, true, 0, quiet("", 0));
        assertThat(resumed.accuracy()).isEqualTo(straight.accuracy());
        assertThat(resumed.baselineAccuracy()).isEqualTo(straight.baselineAccuracy());
        assertThat(Files.readAllBytes(dir.resolve("resumed.tsr"))).isEqualTo(Files.readAllBytes(dir.resolve("straight.tsr")));
    }

    @Test
    void aCheckpointOfAnotherRunIsRefused(@TempDir Path dir) throws Exception {
        Datasets.Split data = prototypes(3);
        Path checkpoints = dir.resolve("c");
        assertThatThrownBy(() -> new CompressionTraining(options(30, 0.2), data)
                .run(dir.resolve("a.tsr"), checkpoints, false, 0, quiet("float", 25)))
                .isInstanceOf(Interruption.class);
        assertThatThrownBy(() -> new CompressionTraining(options(30, 0.3), data)
                .run(dir.resolve("a.tsr"), checkpoints, true, 0, quiet("", 0)))
                .isInstanceOf(Checkpoint.InvalidCheckpointException.class)
                .hasMessageContaining("belongs to another run");
    }

    @Test
    void pruningAndClusteredSharingKeepTheMasksAndStoreFewValues(@TempDir Path dir) throws Exception {
        Datasets.Split data = prototypes(4);
        CompressionTraining training = new CompressionTraining(
                options(60, new CompressionTraining.WeightSharing(new double[]{0.9, 0.8}, 3, false)), data);
        CompressionTraining.Result result = training.run(dir.resolve("cws.tsr"), null, false, 60, quiet("", 0));
        assertThat(result.accuracy()).isGreaterThan(0.85);
        List<Layer.Product> products = training.network().products();
        for (int l = 0; l < products.size(); l++) {
            SharedWeight shared = (SharedWeight) products.get(l).form();
            float[] values = shared.values();
            long nonzero = 0;
            java.util.Set<Float> distinct = new java.util.HashSet<>();
            for (float v : values) {
                nonzero += v != 0 ? 1 : 0;
                distinct.add(v);
            }
            // ⌈(1 − p)·n⌉ kept at most (ties at the threshold are pruned), 2^3 shared values and 0.
            double kept = l == 0 ? 0.1 : 0.2;
            assertThat(nonzero).isLessThanOrEqualTo((long) Math.ceil(kept * values.length));
            assertThat(distinct.size()).isLessThanOrEqualTo(9);
            assertThat(shared.density()).isCloseTo(kept, org.assertj.core.data.Offset.offset(0.01));
        }
        assertThat(result.bytes()).isLessThan(result.fp32Bytes() / 20);
    }

    @Test
    void probabilisticSharingRoundsWithoutBias() {
        SplittableRandom random = new SplittableRandom(8);
        float[] w = new float[20_000];
        boolean[] kept = new boolean[w.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
            kept[i] = true;
        }
        SharedWeight shared = SharedWeight.probabilistic("w", w, new int[]{100, 200}, kept, 8, new SplittableRandom(9));
        float[] q = shared.values();
        double bias = 0;
        for (int i = 0; i < w.length; i++) {
            bias += q[i] - w[i];
        }
        // E[ŵ] = w: the mean error is noise of order σ/√n.
        assertThat(Math.abs(bias / w.length)).isLessThan(0.01);
        float min = Float.POSITIVE_INFINITY;
        for (float v : w) {
            min = Math.min(min, v);
        }
        assertThat(shared.sharedValues().value()[0]).isEqualTo(min);
    }

    @Test
    void aResumedSharingRunEndsWhereAnUninterruptedOneDoes(@TempDir Path dir) throws Exception {
        Datasets.Split data = prototypes(5);
        CompressionTraining.Method method = new CompressionTraining.WeightSharing(new double[]{0.8}, 4, true);
        new CompressionTraining(options(30, method), data).run(dir.resolve("straight.tsr"), null, false, 60, quiet("", 0));
        Path checkpoints = dir.resolve("c");
        assertThatThrownBy(() -> new CompressionTraining(options(30, method), data)
                .run(dir.resolve("resumed.tsr"), checkpoints, false, 0, quiet("shared (pws)", 25)))
                .isInstanceOf(Interruption.class);
        new CompressionTraining(options(30, method), data).run(dir.resolve("resumed.tsr"), checkpoints, true, 0, quiet("", 0));
        assertThat(Files.readAllBytes(dir.resolve("resumed.tsr"))).isEqualTo(Files.readAllBytes(dir.resolve("straight.tsr")));
    }
}
