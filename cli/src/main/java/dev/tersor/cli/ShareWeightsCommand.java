package dev.tersor.cli;

import dev.tersor.train.CompressionTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Arrays;
import java.util.Locale;

/** Deep Compression's pipeline: prune, retrain, share weights, retrain the shared values, store entropy-coded. */
@Command(name = "share-weights", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a network on an image data set in float, prune each layer's smallest weights and retrain, "
                + "then share each layer's kept weights among 2^bits values (cws: k-means; pws: quantiles with unbiased "
                + "random rounding) and retrain the shared values with the pruning masks kept; write the .tsr in the "
                + "smallest exact format per matrix (sHAM, HAM, CSER ...). Both test accuracies are measured by Tersor's "
                + "runtime on the exported models.")
final class ShareWeightsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Mixin
    TrainingOptions training;

    @Option(names = "--method", paramLabel = "cws|pws", defaultValue = "cws",
            description = "cws (cluster-based) or pws (probabilistic). Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--prune", paramLabel = "F[,F...]", split = ",", description = "Fraction of each layer's weights "
            + "pruned, in layer order; the last repeats. Default: the network's (Deep Compression's for the LeNets).")
    double[] prune;

    @Option(names = "--bits", paramLabel = "B", description = "Shared values per layer: 2^B. Default: the network's.")
    Integer bits;

    /** Pruned fractions (Deep Compression, Table 2 and 3: LeNet-300-100 keeps 8 %, 9 %, 26 %), bits and steps. */
    record Schedule(double[] prune, int bits, int fullSteps, int quickSteps) {
        static final double LEARNING_RATE = 1e-3;

        static Schedule of(String net) {
            return switch (net) {
                case "lenet-300-100" -> new Schedule(new double[]{0.92, 0.91, 0.74}, 5, 10_000, 2_000);
                case "lenet-5" -> new Schedule(new double[]{0.34, 0.88, 0.92, 0.81}, 5, 10_000, 1_000);
                default -> new Schedule(new double[]{0.5, 0.8}, 5, 10_000, 500);
            };
        }
    }

    @Override
    public void run() {
        training.validate();
        String kind = method.toLowerCase(Locale.ROOT);
        if (!kind.equals("cws") && !kind.equals("pws")) {
            throw new IllegalArgumentException("--method must be cws or pws, got '" + method + "'");
        }
        if (prune != null) {
            for (double p : prune) {
                if (!(p >= 0 && p < 1)) {
                    throw new IllegalArgumentException("--prune fractions must be in [0, 1), got " + p);
                }
            }
        }
        if (bits != null && (bits < 1 || bits > 16)) {
            throw new IllegalArgumentException("--bits must be between 1 and 16, got " + bits);
        }
        Schedule schedule = Schedule.of(training.netName());
        double[] fractions = prune != null && prune.length > 0 ? prune : schedule.prune();
        int b = bits != null ? bits : schedule.bits();
        int steps = training.steps != null ? training.steps : training.quick ? schedule.quickSteps() : schedule.fullSteps();
        TrainingRun.run(spec.commandLine().getOut(), training,
                new CompressionTraining.WeightSharing(fractions, b, kind.equals("pws")), steps, Schedule.LEARNING_RATE,
                kind + " with " + (1 << b) + " shared values after pruning " + Arrays.toString(fractions));
    }
}
