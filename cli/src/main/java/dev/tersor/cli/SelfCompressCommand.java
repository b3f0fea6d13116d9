package dev.tersor.cli;

import dev.tersor.train.CompressionTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains a small image classifier with self-compression and writes it in its smallest exact formats. */
@Command(name = "self-compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a network on an image data set in float, then on with self-compression (Cséfalvay and Imber: "
                + "a learned bit depth and exponent per output channel, loss = cross-entropy + gamma x average bits per "
                + "weight; channels whose depth reaches zero are removed), and write it as a .tsr: each matrix bit-packed, "
                + "or its integers entropy-coded where that is smaller. Both test accuracies are measured by Tersor's "
                + "runtime on the exported models.")
final class SelfCompressCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Mixin
    TrainingOptions training;

    @Option(names = "--gamma", paramLabel = "G", description = "Weight of the size term (average bits per weight). Default: 0.05.")
    Double gamma;

    /**
     * Steps per phase of each network, full and quick (the quick ones finish in minutes on two cores);
     * γ is the reference reimplementation's 0.05 (methods.md §5.3) for every network, not tuned on any
     * test set.
     */
    record Schedule(int fullSteps, int quickSteps) {
        static final double GAMMA = 0.05;
        static final double LEARNING_RATE = 1e-3;
        static final float INITIAL_BITS = 4;

        static Schedule of(String net) {
            return switch (net) {
                case "lenet-300-100" -> new Schedule(10_000, 3_000);
                case "lenet-5" -> new Schedule(5_000, 1_500);
                default -> new Schedule(5_000, 800);
            };
        }
    }

    @Override
    public void run() {
        training.validate();
        if (gamma != null && !(gamma >= 0 && gamma < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--gamma must be a non-negative number, got " + gamma);
        }
        Schedule schedule = Schedule.of(training.netName());
        double g = gamma != null ? gamma : Schedule.GAMMA;
        int steps = training.steps != null ? training.steps : training.quick ? schedule.quickSteps() : schedule.fullSteps();
        TrainingRun.run(spec.commandLine().getOut(), training,
                new CompressionTraining.SelfCompression(g, Schedule.INITIAL_BITS), steps, Schedule.LEARNING_RATE,
                "self-compression with gamma " + g);
    }
}
