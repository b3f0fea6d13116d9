package dev.tersor.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SelfCompressionTrainingTest {

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

    private static SelfCompressionTraining.Options options(int steps, double gamma) {
        return new SelfCompressionTraining.Options("lenet-300-100", "prototypes", 5, 32, steps, steps, 2e-3, gamma, 4, 2);
    }

    /** Fails the run at a step, as a killed process would stop. */
    private static final class Interruption extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static SelfCompressionTraining.Listener quiet(String failPhase, int failStep) {
        return new SelfCompressionTraining.Listener() {
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
        SelfCompressionTraining training = new SelfCompressionTraining(options(60, 0.5), data);
        SelfCompressionTraining.Result result = training.run(dir.resolve("out.tsr"), null, false, 60, quiet("", 0));
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
        SelfCompressionTraining.Result straight = new SelfCompressionTraining(options(40, 0.2), data)
                .run(dir.resolve("straight.tsr"), dir.resolve("straight"), false, 60, quiet("", 0));
        Path checkpoints = dir.resolve("interrupted");
        // Stopped in each phase in turn: checkpoints are written after every step (interval 0).
        assertThatThrownBy(() -> new SelfCompressionTraining(options(40, 0.2), data)
                .run(dir.resolve("resumed.tsr"), checkpoints, false, 0, quiet("float", 25)))
                .isInstanceOf(Interruption.class);
        assertThat(Checkpoint.read(checkpoints.resolve("checkpoint.bin")).step()).isEqualTo(24);
        assertThatThrownBy(() -> new SelfCompressionTraining(options(40, 0.2), data)
                .run(dir.resolve("resumed.tsr"), checkpoints, true, 0, quiet("self-compression", 25)))
                .isInstanceOf(Interruption.class);
        SelfCompressionTraining.Result resumed = new SelfCompressionTraining(options(40, 0.2), data)
                .run(dir.resolve("resumed.tsr"), checkpoints, true, 0, quiet("", 0));
        assertThat(resumed.accuracy()).isEqualTo(straight.accuracy());
        assertThat(resumed.baselineAccuracy()).isEqualTo(straight.baselineAccuracy());
        assertThat(Files.readAllBytes(dir.resolve("resumed.tsr"))).isEqualTo(Files.readAllBytes(dir.resolve("straight.tsr")));
    }

    @Test
    void aCheckpointOfAnotherRunIsRefused(@TempDir Path dir) throws Exception {
        Datasets.Split data = prototypes(3);
        Path checkpoints = dir.resolve("c");
        assertThatThrownBy(() -> new SelfCompressionTraining(options(30, 0.2), data)
                .run(dir.resolve("a.tsr"), checkpoints, false, 0, quiet("float", 25)))
                .isInstanceOf(Interruption.class);
        assertThatThrownBy(() -> new SelfCompressionTraining(options(30, 0.3), data)
                .run(dir.resolve("a.tsr"), checkpoints, true, 0, quiet("", 0)))
                .isInstanceOf(Checkpoint.InvalidCheckpointException.class)
                .hasMessageContaining("belongs to another run");
    }
}
