package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.cli.corpus.BroadText;
import dev.tersor.cli.corpus.Fortunes;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.cli.corpus.PackageDescriptions;
import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.compress.pipeline.Calibration;
import dev.tersor.compress.pipeline.CompressionPlan;
import dev.tersor.compress.pipeline.Presets;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.embed.SentenceFile;
import dev.tersor.format.Execution;
import dev.tersor.kernels.Parallelism;
import dev.tersor.graph.Graph;
import dev.tersor.model.Model;
import dev.tersor.train.EncoderDistillation;
import dev.tersor.train.PresetStart;
import dev.tersor.train.StepScaleSearch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Distils a compressed student of a BERT-family sentence encoder from its float teacher. */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Distil a compressed student of a sentence encoder (BERT family, e.g. all-MiniLM-L6-v2). The student "
                + "starts as the default preset compresses the teacher, error compensation included, with every step times "
                + "--step-scale (or the scale whose file fits --target-mb); it then trains through the rounding to "
                + "reproduce the float teacher's sentence vectors on broad text, first its float parameters alone, then all "
                + "of them, and is written with each matrix in its smallest exact format and checked on 300 held-out "
                + "Europarl sentences.")
final class DistillCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TEACHER", description = "The float model (.onnx or .tsr) with its tokenizer.")
    Path teacher;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.tsr", description = "The student to write.")
    Path output;

    @Option(names = "--corpus", paramLabel = "FILE", description = "Training text, one sentence a line. Default: the "
            + "calibration shares of the broad corpora (Europarl, fortunes, package descriptions), never the evaluation ones.")
    Path corpus;

    @Option(names = "--step-scale", paramLabel = "X", defaultValue = "1", description = "Every role's relative step is "
            + "the preset's times X: larger is smaller and coarser. With --target-mb, the first scale tried. "
            + "Default: ${DEFAULT-VALUE}.")
    double stepScale;

    @Option(names = "--target-mb", paramLabel = "M", description = "Choose the step scale whose starting student's file "
            + "takes at most M megabytes (10^6 bytes), within 1 %%, by a search that compresses the teacher a few times "
            + "before training. Training moves levels, so the distilled file can differ slightly; it is reported.")
    Double targetMb;

    @Option(names = "--calib-sentences", paramLabel = "N", defaultValue = "" + CompressCommand.DEFAULT_CALIBRATION,
            description = "Training sentences whose layer inputs drive the start's error compensation (0: plain rounding). "
                    + "Default: ${DEFAULT-VALUE}.")
    int calibSentences;

    @Option(names = "--gamma", paramLabel = "G", defaultValue = "0", description = "Learn each row's step as well, with "
            + "G times the estimated change in bits per weight (one bit for each doubling of a step) added to the loss: "
            + "larger G trades fidelity for size while training. 0 keeps the start's steps. Default: ${DEFAULT-VALUE}.")
    double gamma;

    @Option(names = "--hidden-weight", paramLabel = "B", defaultValue = "0", description = "Also follow the teacher's "
            + "hidden states: B times the mean over its blocks of the student's relative squared error to the teacher's "
            + "block outputs is added to the loss (a step then also runs the float teacher, about a third more time). "
            + "0: sentence vectors only. Default: ${DEFAULT-VALUE}.")
    double hiddenWeight;

    @Option(names = "--float-steps", paramLabel = "N", defaultValue = "100", description = "Steps that train only the "
            + "float parameters (biases, norms, float tables) before every parameter trains. Default: ${DEFAULT-VALUE}.")
    int floatSteps;

    @Option(names = "--hours", paramLabel = "H", defaultValue = "3", description = "Stop after H hours. Default: ${DEFAULT-VALUE}.")
    double hours;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "100000", description = "Stop after N steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16", description = "Sentences per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--learning-rate", paramLabel = "R", defaultValue = "2e-4", description = "Adam's peak rate. Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--sentences", paramLabel = "N", defaultValue = "24000", description = "Training sentences drawn from "
            + "the default corpora (a third from each). Default: ${DEFAULT-VALUE}.")
    int sentences;

    @Option(names = "--threads", paramLabel = "N", description = "Threads. Default: one per core.")
    Integer threads;

    @Option(names = "--checkpoints", paramLabel = "DIR", description = "Where checkpoints go. Default: OUT.tsr.checkpoints.")
    Path checkpoints;

    @Option(names = "--checkpoint-minutes", paramLabel = "M", defaultValue = "5", description = "Minutes between "
            + "checkpoints. Default: ${DEFAULT-VALUE}.")
    double checkpointMinutes;

    @Option(names = "--resume", arity = "0..1", paramLabel = "DIR", fallbackValue = "", description = "Continue from the "
            + "last checkpoint of this run (same options) if there is one: the one in DIR, else in the --checkpoints folder.")
    String resume;

    @Option(names = "--json", description = "Print JSON: stepScale, steps, seconds, bytes, fileBytes, startFileBytes, "
            + "startMeanCosine, meanCosine, minCosine, p1Cosine.")
    boolean json;

    @Override
    public void run() {
        Arguments.inputFile("the teacher", teacher);
        Arguments.outputFile("--output", output, teacher);
        Arguments.inRange("--step-scale", stepScale, StepScaleSearch.MIN_SCALE, StepScaleSearch.MAX_SCALE, false);
        if (targetMb != null) {
            Arguments.inRange("--target-mb", targetMb, 0.01, 1e6, false);
        }
        Arguments.inRange("--calib-sentences", calibSentences, 0, CompressCommand.MAX_CALIBRATION);
        Arguments.inRange("--float-steps", floatSteps, 0, 100_000_000);
        Arguments.inRange("--gamma", gamma, 0, 1e6, false);
        Arguments.inRange("--hidden-weight", hiddenWeight, 0, 1e6, false);
        Arguments.inRange("--hours", hours, 0.001, 1000, false);
        Arguments.inRange("--steps", steps, 1, 100_000_000);
        Arguments.inRange("--batch", batch, 1, 1024);
        Arguments.inRange("--learning-rate", learningRate, 1e-9, 1, false);
        Arguments.inRange("--sentences", sentences, 3, 3_000_000);
        Arguments.inRange("--checkpoint-minutes", checkpointMinutes, 0.01, 1440, false);
        int threadCount = threads != null ? Arguments.inRange("--threads", threads, 1, Parallelism.MAX_THREADS)
                : Runtime.getRuntime().availableProcessors();
        if (corpus != null) {
            Arguments.inputFile("--corpus", corpus);
        }
        Path checkpointDir = TrainingOptions.checkpointDir(output, checkpoints, resume);
        PrintWriter out = spec.commandLine().getOut();
        Path cache = MavenArtifacts.cacheDir();
        try (Embedder reference = Embedder.load(teacher); TrainingBars bars = new TrainingBars(json ? null : out)) {
            List<String> text = corpus != null ? SentenceFile.read(corpus, sentences) : defaultCorpus(cache);
            if (text.size() < batch) {
                throw new IllegalArgumentException("the corpus has " + text.size() + " sentences, fewer than one batch of " + batch);
            }
            List<long[]> tokenized = new ArrayList<>(text.size());
            for (String s : text) {
                tokenized.add(reference.tokenizer().encode(s));
            }
            Graph teacherGraph = reference.model().graph();
            // The teacher's tokenizer, stored in every file written as compress stores it.
            Map<String, String> tokenizer = CompressCommand.tokenizerMetadata(null, reference.model(), teacher);
            long started = System.nanoTime();
            PresetStart start = start(reference, tokenized, tokenizer, bars);
            EncoderDistillation.Options options = new EncoderDistillation.Options(batch, 128, learningRate, gamma, hiddenWeight,
                    floatSteps, steps, hours * 3600, 1, threadCount);
            bars.message(String.format(Locale.ROOT, "distilling %s: %,d sentences, step scale %.4g, batch %d, %,d float-only "
                    + "steps, up to %,d steps or %.2f h, %d threads", teacher.getFileName(), tokenized.size(), start.stepScale(),
                    batch, floatSteps, steps, hours, threadCount));
            EncoderDistillation distillation = new EncoderDistillation(teacherGraph, reference::embedTokens, start, tokenized,
                    options);
            List<String> heldOut = BroadText.evaluation(cache, 300);
            Path probe = output.resolveSibling(output.getFileName() + ".start");
            double startCosine;
            long startFileBytes;
            try {
                write(distillation.export(teacherGraph), tokenizer, probe);
                startFileBytes = size(probe);
                startCosine = compare(probe, reference, heldOut).meanCosine();
            } finally {
                Files.deleteIfExists(probe);
            }
            bars.message(String.format(Locale.ROOT, "the start: %,d bytes, mean cosine %.5f on the held-out sentences",
                    startFileBytes, startCosine));
            int done = distillation.run(checkpointDir, resume != null, Math.round(checkpointMinutes * 60), bars);
            bars.finish();
            long bytes = write(distillation.export(teacherGraph), tokenizer, output);
            double seconds = (System.nanoTime() - started) / 1e9;
            EmbeddingComparison check = compare(output, reference, heldOut);
            long fileBytes = Files.size(output);
            if (json) {
                try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                    g.writeStartObject();
                    g.writeNumberField("stepScale", start.stepScale());
                    g.writeNumberField("steps", done);
                    g.writeNumberField("seconds", seconds);
                    g.writeNumberField("bytes", bytes);
                    g.writeNumberField("fileBytes", fileBytes);
                    g.writeNumberField("startFileBytes", startFileBytes);
                    g.writeNumberField("startMeanCosine", startCosine);
                    g.writeNumberField("meanCosine", check.meanCosine());
                    g.writeNumberField("minCosine", check.minCosine());
                    g.writeNumberField("p1Cosine", check.p1Cosine());
                    g.writeEndObject();
                }
                out.println();
            } else {
                out.printf(Locale.ROOT, "%,d steps in %.1f s; wrote %s: %,d bytes (%.2f MB), weights %,d bytes%n", done, seconds,
                        output, fileBytes, fileBytes / 1e6, bytes);
                out.printf(Locale.ROOT, "held-out Europarl (300 sentences, never trained on): mean cosine %.5f (the start: %.5f), "
                        + "minimum %.5f, 1st percentile %.5f%n", check.meanCosine(), startCosine, check.minCosine(), check.p1Cosine());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The student's start: the default preset at --step-scale, or at the scale whose file fits
     * --target-mb, error-compensated with statistics from every k-th training sentence.
     */
    private PresetStart start(Embedder reference, List<long[]> tokenized, Map<String, String> tokenizer, TrainingBars bars)
            throws IOException {
        Graph graph = reference.model().graph();
        Map<String, HessianAccumulator> statistics = calibrationStatistics(reference, tokenized, bars);
        CompressionPlan plan = Presets.defaults();
        if (targetMb == null) {
            return PresetStart.quantize(graph, plan, stepScale, statistics, ProgressListener.NONE);
        }
        long budget = Math.round(targetMb * 1e6);
        Path probe = output.resolveSibling(output.getFileName() + ".sizing");
        try {
            StepScaleSearch.Fit<PresetStart> fit = StepScaleSearch.search(
                    scale -> PresetStart.quantize(graph, plan, scale, statistics, ProgressListener.NONE),
                    start -> {
                        write(EncoderDistillation.startGraph(graph, start), tokenizer, probe);
                        return size(probe);
                    },
                    budget, stepScale, 0.01, 8, (scale, bytes, limit) -> bars.message(String.format(Locale.ROOT,
                            "step scale %.4g: %,d bytes (%s %,d)", scale, bytes, bytes <= limit ? "fits" : "over", limit)));
            return fit.payload();
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    /** Layer input statistics over --calib-sentences training sentences spread over the corpus; none for 0. */
    private Map<String, HessianAccumulator> calibrationStatistics(Embedder reference, List<long[]> tokenized,
                                                                  TrainingBars bars) {
        int count = Math.min(calibSentences, tokenized.size());
        if (count == 0) {
            return Map.of();
        }
        bars.message(String.format(Locale.ROOT, "calibration: layer input statistics over %,d training sentences", count));
        List<long[]> sample = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            sample.add(tokenized.get((int) ((long) i * tokenized.size() / count)));
        }
        return Calibration.hessians(reference.model(), sample, ProgressListener.NONE);
    }

    /** Writes {@code graph} as a model with {@code tokenizer}'s entries; returns its stored weight bytes. */
    private static long write(Graph graph, Map<String, String> tokenizer, Path file) {
        try (Model student = Model.of(graph, Execution.defaults())) {
            student.save(file, tokenizer);
            return student.storedWeightBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code file} loaded as users load it, against the teacher on {@code sentences}. */
    private static EmbeddingComparison compare(Path file, Embedder reference, List<String> sentences) throws IOException {
        try (Embedder student = Embedder.load(file)) {
            return EmbeddingComparison.of(student, reference, sentences);
        }
    }

    /** A third of the sentences from each broad corpus's calibration share, distinct, in a fixed order. */
    private List<String> defaultCorpus(Path cache) throws IOException {
        int third = Math.max(1, sentences / 3);
        LinkedHashSet<String> all = new LinkedHashSet<>();
        all.addAll(BroadText.calibration(cache, third));
        all.addAll(Fortunes.calibration(cache, third));
        all.addAll(PackageDescriptions.calibration(cache, third));
        return new ArrayList<>(all);
    }
}
