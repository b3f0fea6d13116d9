package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.format.WeightMatrix;
import dev.tersor.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Lists the weight matrices of a model with their formats and sizes. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List every weight of a .tsr (or .onnx) model: name, shape, format, bytes, bits/weight; totals last.")
final class InspectCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.tsr", description = "The model to inspect.")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        try (Model m = Model.load(model)) {
            Map<String, WeightMatrix> weights = m.graph().weights();
            long totalBytes = 0;
            long totalWeights = 0;
            for (WeightMatrix w : weights.values()) {
                totalBytes += w.byteSize();
                totalWeights += (long) w.rows() * w.cols();
            }
            double totalBits = totalWeights == 0 ? 0 : 8.0 * totalBytes / totalWeights;
            if (json) {
                try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                    g.useDefaultPrettyPrinter();
                    g.writeStartObject();
                    g.writeArrayFieldStart("weights");
                    for (var e : weights.entrySet()) {
                        WeightMatrix w = e.getValue();
                        g.writeStartObject();
                        g.writeStringField("name", e.getKey());
                        g.writeArrayFieldStart("shape");
                        g.writeNumber(w.rows());
                        g.writeNumber(w.cols());
                        g.writeEndArray();
                        g.writeStringField("format", w.formatName());
                        g.writeNumberField("bytes", w.byteSize());
                        g.writeNumberField("bitsPerWeight", Math.round(w.bitsPerWeight() * 1e4) / 1e4);
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeObjectFieldStart("total");
                    g.writeNumberField("weights", weights.size());
                    g.writeNumberField("parameters", totalWeights);
                    g.writeNumberField("bytes", totalBytes);
                    g.writeNumberField("bitsPerWeight", Math.round(totalBits * 1e4) / 1e4);
                    g.writeEndObject();
                    g.writeEndObject();
                }
                out.println();
                return;
            }
            int width = Math.max(6, weights.keySet().stream().mapToInt(String::length).max().orElse(0));
            String row = "%-" + width + "s %13s %-8s %12s %11s%n";
            out.printf(Locale.ROOT, row, "name", "shape", "format", "bytes", "bits/weight");
            for (var e : weights.entrySet()) {
                WeightMatrix w = e.getValue();
                out.printf(Locale.ROOT, row, e.getKey(), w.rows() + "x" + w.cols(), w.formatName(), w.byteSize(),
                        String.format(Locale.ROOT, "%.3f", w.bitsPerWeight()));
            }
            out.printf(Locale.ROOT, row, "total (" + weights.size() + ")", totalWeights + "", "", totalBytes,
                    String.format(Locale.ROOT, "%.3f", totalBits));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
