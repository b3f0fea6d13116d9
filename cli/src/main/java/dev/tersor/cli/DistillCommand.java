package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.cli.corpus.BroadText;
import dev.tersor.cli.corpus.Fortunes;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.cli.corpus.PackageDescriptions;
import dev.tersor.compress.pipeline.Presets;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.embed.SentenceFile;
import dev.tersor.format.Execution;
import dev.tersor.kernels.Parallelism;
import dev.tersor.model.Model;
import dev.tersor.train.EncoderDistillation;
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

/** Distils a compressed student of a BERT-family sentence encoder from its float teacher. */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Distil a compressed student of a sentence encoder (BERT family, e.g. all-MiniLM-L6-v2): every table "
                + "and matrix uniformly quantized with the default preset's relative step for its role times --step-scale, "
                + "trained through the rounding to reproduce the float teacher's sentence vectors on broad text, then "
                + "written with each matrix in its smallest exact format and checked on 300 held-out Europarl sentences.")
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
            + "the preset's times X: larger is smaller and coarser. Default: ${DEFAULT-VALUE}.")
    double stepScale;

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

    @Option(names = "--resume", description = "Continue from the last checkpoint of this run if there is one.")
    boolean resume;

    @Option(names = "--json", description = "Print JSON: steps, seconds, bytes, fileBytes, meanCosine, minCosine, p1Cosine.")
    boolean json;

    @Override
    public void run() {
        Arguments.inputFile("the teacher", teacher);
        Arguments.outputFile("--output", output, teacher);
        Arguments.inRange("--step-scale", stepScale, 0.01, 100, false);
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
            EncoderDistillation.Options options = new EncoderDistillation.Options(stepScale, batch, 128, learningRate, steps,
                    hours * 3600, 1, threadCount);
            bars.message(String.format(Locale.ROOT, "distilling %s: %,d sentences, step scale %s, batch %d, up to %,d steps "
                    + "or %.2f h, %d threads", teacher.getFileName(), tokenized.size(), stepScale, batch, steps, hours, threadCount));
            EncoderDistillation distillation = new EncoderDistillation(reference.model().graph(), reference::embedTokens,
                    Presets.defaults(), tokenized, options);
            long started = System.nanoTime();
            Path checkpointDir = checkpoints != null ? checkpoints : output.resolveSibling(output.getFileName() + ".checkpoints");
            int done = distillation.run(checkpointDir, resume, Math.round(checkpointMinutes * 60), bars);
            bars.finish();
            long bytes;
            try (Model student = Model.of(distillation.export(reference.model().graph()), Execution.defaults())) {
                bytes = student.storedWeightBytes();
                // The teacher's tokenizer, stored as compress stores it.
                student.save(output, CompressCommand.tokenizerMetadata(null, reference.model(), teacher));
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            EmbeddingComparison check;
            try (Embedder distilled = Embedder.load(output)) {
                check = EmbeddingComparison.of(distilled, reference, BroadText.evaluation(cache, 300));
            }
            long fileBytes = Files.size(output);
            if (json) {
                try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                    g.writeStartObject();
                    g.writeNumberField("steps", done);
                    g.writeNumberField("seconds", seconds);
                    g.writeNumberField("bytes", bytes);
                    g.writeNumberField("fileBytes", fileBytes);
                    g.writeNumberField("meanCosine", check.meanCosine());
                    g.writeNumberField("minCosine", check.minCosine());
                    g.writeNumberField("p1Cosine", check.p1Cosine());
                    g.writeEndObject();
                }
                out.println();
            } else {
                out.printf(Locale.ROOT, "%,d steps in %.1f s; wrote %s: %,d bytes (%.2f MB), weights %,d bytes%n", done, seconds,
                        output, fileBytes, fileBytes / 1e6, bytes);
                out.printf(Locale.ROOT, "held-out Europarl (300 sentences, never trained on): mean cosine %.5f, minimum %.5f, "
                        + "1st percentile %.5f%n", check.meanCosine(), check.minCosine(), check.p1Cosine());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
