package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.cli.corpus.ImageDatasets;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.train.CompressionTraining;
import dev.tersor.train.Datasets;
import dev.tersor.train.GraphExport;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;

/** Runs a compression-aware training for a command and prints its outcome, as a table or as JSON. */
final class TrainingRun {

    private TrainingRun() {
    }

    /** Trains with {@code method} for {@code phaseSteps} steps a phase at {@code learningRate}; prints to {@code out}. */
    static void run(PrintWriter out, TrainingOptions o, CompressionTraining.Method method, int phaseSteps,
                    double learningRate, String settings) {
        CompressionTraining.Options options = new CompressionTraining.Options(o.netName(), o.datasetName(), o.seed, o.batch,
                phaseSteps, phaseSteps, learningRate, method, o.threadCount());
        try (TrainingBars bars = new TrainingBars(o.json ? null : out)) {
            Datasets.Split data = ImageDatasets.load(o.datasetName(), MavenArtifacts.cacheDir(), o.seed);
            bars.message(String.format(Locale.ROOT, "%s on %s: %,d training and %,d test images, %,d steps per phase, "
                    + "batch %d, %s, %d threads", o.netName(), o.datasetName(), data.train().count(), data.test().count(),
                    phaseSteps, o.batch, settings, o.threadCount()));
            CompressionTraining.Result result = new CompressionTraining(options, data)
                    .run(o.output, o.checkpointDir(), o.resuming(), Math.round(o.checkpointMinutes * 60), bars);
            bars.finish();
            if (o.json) {
                printJson(out, result);
            } else {
                printSummary(out, result, o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void printSummary(PrintWriter out, CompressionTraining.Result r, TrainingOptions o) {
        out.printf(Locale.ROOT, "%-8s %-8s %9s %9s %8s %10s%n", "layer", "format", "rows", "columns", "bits/w", "bytes");
        for (GraphExport.LayerSummary l : r.layers()) {
            out.printf(Locale.ROOT, "%-8s %-8s %4d/%-4d %4d/%-4d %8.3f %,10d%n", l.name(), l.format(), l.keptRows(), l.rows(),
                    l.keptCols(), l.cols(), l.bitsPerWeight(), l.bytes());
        }
        out.printf(Locale.ROOT, "test accuracy: float %.2f %%, compressed %.2f %% (%+.2f points)%n",
                100 * r.baselineAccuracy(), 100 * r.accuracy(), 100 * (r.accuracy() - r.baselineAccuracy()));
        out.printf(Locale.ROOT, "size: %,d bytes of %,d in float (%.2f %%, x%.1f smaller), %.3f bits per weight; %d of %d "
                        + "channels removed%n", r.bytes(), r.fp32Bytes(), 100.0 * r.bytes() / r.fp32Bytes(),
                (double) r.fp32Bytes() / r.bytes(), r.bitsPerWeight(), r.removedChannels(), r.channels());
        out.printf(Locale.ROOT, "wrote %s (%,d bytes) in %.1f s%n", o.output, r.fileBytes(), r.seconds());
        out.flush();
    }

    private static void printJson(PrintWriter out, CompressionTraining.Result r) throws IOException {
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
}
