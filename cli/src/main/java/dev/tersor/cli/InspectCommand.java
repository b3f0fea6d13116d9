package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.format.EnergyEstimate;
import dev.tersor.format.MatrixStatistics;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Lists the weight matrices of a model with their formats, sizes, value statistics and energy estimate. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List every weight of a .tsr (or .onnx) model: name, shape, format, bytes, bits/weight, the",
                "number K and entropy H (bits) of its quantized values, density, and the estimated energy of one",
                "product against dense (45 nm table; an estimate). Totals, file and resident bytes last."})
final class InspectCommand implements Runnable {

    static final String ENERGY_NOTE = "estimate from the 45 nm table of methods.md 1.10: one matrix-vector product per"
            + " weight, one row look-up per embedding table (one token)";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.tsr", description = "The model to inspect.")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--exec", defaultValue = "fastest", paramLabel = "stored|fastest|budget:MB",
            description = "Execution policy to load with, so resident bytes show its effect. Default: ${DEFAULT-VALUE}.")
    String exec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        try (Model m = Model.load(model, dev.tersor.format.Execution.defaults(), dev.tersor.model.ExecutionPolicy.parse(exec))) {
            Map<String, WeightMatrix> weights = m.graph().weights();
            Map<String, Model.WeightPlacement> placements = new LinkedHashMap<>();
            m.placements().forEach(p -> placements.put(p.weight(), p));
            Map<String, MatrixStatistics> stats = new LinkedHashMap<>();
            Map<String, EnergyEstimate> energy = new LinkedHashMap<>();
            long totalWeights = 0;
            double totalPj = 0;
            double totalDensePj = 0;
            for (var e : weights.entrySet()) {
                WeightMatrix w = e.getValue();
                MatrixStatistics s = MatrixStatistics.of(w);
                EnergyEstimate en = m.embeddingTables().contains(e.getKey()) ? EnergyEstimate.ofRowLookup(w)
                        : EnergyEstimate.of(w, s);
                stats.put(e.getKey(), s);
                energy.put(e.getKey(), en);
                totalWeights += (long) w.rows() * w.cols();
                totalPj += en.picojoules();
                totalDensePj += en.densePicojoules();
            }
            long storedBytes = m.storedWeightBytes();
            long residentBytes = m.weightBytes();
            long fileBytes = Files.size(model);
            double totalBits = totalWeights == 0 ? 0 : 8.0 * storedBytes / totalWeights;
            if (json) {
                try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                    g.useDefaultPrettyPrinter();
                    g.writeStartObject();
                    g.writeStringField("execution", exec);
                    g.writeStringField("energyNote", ENERGY_NOTE);
                    g.writeArrayFieldStart("weights");
                    for (var e : weights.entrySet()) {
                        WeightMatrix w = e.getValue();
                        Model.WeightPlacement p = placements.get(e.getKey());
                        MatrixStatistics s = stats.get(e.getKey());
                        EnergyEstimate en = energy.get(e.getKey());
                        g.writeStartObject();
                        g.writeStringField("name", e.getKey());
                        g.writeArrayFieldStart("shape");
                        g.writeNumber(w.rows());
                        g.writeNumber(w.cols());
                        g.writeEndArray();
                        g.writeStringField("format", p.storedFormat());
                        g.writeNumberField("bytes", p.storedBytes());
                        g.writeNumberField("bitsPerWeight", round(8.0 * p.storedBytes() / Math.max(1, s.entries())));
                        g.writeStringField("residentFormat", p.residentFormat());
                        g.writeNumberField("residentBytes", p.residentBytes());
                        if (s.levelsCounted()) {
                            g.writeNumberField("levels", s.distinctLevels());
                            g.writeNumberField("entropyBits", round(s.entropyBits()));
                        } else {
                            g.writeNullField("levels");
                            g.writeNullField("entropyBits");
                        }
                        g.writeNumberField("density", round(s.density()));
                        g.writeNumberField("estimatedEnergyPicojoules", Math.round(en.picojoules()));
                        g.writeNumberField("estimatedDenseEnergyPicojoules", Math.round(en.densePicojoules()));
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeObjectFieldStart("total");
                    g.writeNumberField("weights", weights.size());
                    g.writeNumberField("parameters", totalWeights);
                    g.writeNumberField("bytes", storedBytes);
                    g.writeNumberField("bitsPerWeight", round(totalBits));
                    g.writeNumberField("fileBytes", fileBytes);
                    g.writeNumberField("residentBytes", residentBytes);
                    g.writeNumberField("estimatedEnergyPicojoules", Math.round(totalPj));
                    g.writeNumberField("estimatedDenseEnergyPicojoules", Math.round(totalDensePj));
                    g.writeEndObject();
                    g.writeEndObject();
                }
                out.println();
                return;
            }
            int width = Math.max(6, weights.keySet().stream().mapToInt(String::length).max().orElse(0));
            String row = "%-" + width + "s %13s %-8s %12s %11s %6s %6s %7s %-12s %10s%n";
            out.printf(Locale.ROOT, row, "name", "shape", "format", "bytes", "bits/weight", "K", "H", "density", "runs as",
                    "energy/dense*");
            for (var e : weights.entrySet()) {
                WeightMatrix w = e.getValue();
                Model.WeightPlacement p = placements.get(e.getKey());
                MatrixStatistics s = stats.get(e.getKey());
                EnergyEstimate en = energy.get(e.getKey());
                out.printf(Locale.ROOT, row, e.getKey(), w.rows() + "x" + w.cols(), p.storedFormat(), p.storedBytes(),
                        String.format(Locale.ROOT, "%.3f", 8.0 * p.storedBytes() / Math.max(1, s.entries())),
                        s.levelsCounted() ? Integer.toString(s.distinctLevels()) : ">" + MatrixStatistics.MAX_LEVELS,
                        s.levelsCounted() ? String.format(Locale.ROOT, "%.3f", s.entropyBits()) : "-",
                        String.format(Locale.ROOT, "%.3f", s.density()),
                        p.residentFormat().equals(p.storedFormat()) ? "stored" : p.residentFormat(),
                        String.format(Locale.ROOT, "%.3f", en.densePicojoules() == 0 ? 1 : en.picojoules() / en.densePicojoules()));
            }
            out.printf(Locale.ROOT, row, "total (" + weights.size() + ")", totalWeights + "", "", storedBytes,
                    String.format(Locale.ROOT, "%.3f", totalBits), "", "", "", "",
                    String.format(Locale.ROOT, "%.3f", totalDensePj == 0 ? 1 : totalPj / totalDensePj));
            out.printf(Locale.ROOT, "file %d bytes; weights %d bytes stored, %d bytes resident (--exec %s)%n", fileBytes,
                    storedBytes, residentBytes, exec);
            out.printf(Locale.ROOT, "* energy, %s: %.1f nJ against %.1f nJ dense%n", ENERGY_NOTE,
                    totalPj / 1000, totalDensePj / 1000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
