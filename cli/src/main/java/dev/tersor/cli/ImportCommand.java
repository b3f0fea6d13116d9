package dev.tersor.cli;

import dev.tersor.embed.Embedder;
import dev.tersor.embed.StoredTokenizer;
import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.WeightMatrix;
import dev.tersor.format.dense.DenseMatrix;
import dev.tersor.graph.Node;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.model.ImportOptions;
import dev.tersor.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Imports an ONNX model, compiles it, and writes a {@code .tsr} container. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Import an ONNX model and write it as a .tsr file (weights dense unless --format says otherwise).")
final class ImportCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model to import.")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "MODEL.tsr", description = "Where to write the container.")
    Path output;

    @Option(names = "--format", defaultValue = DenseMatrix.NAME,
            description = "Format of every weight matrix: one of the registered formats. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
            description = "Store this tokenizer in the .tsr (default: <model>-tokenizer.json or tokenizer.json beside the model, if present).")
    Path tokenizer;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        WeightEncoder encoder = WeightEncoder.of(MatrixFormats.named(format));
        long start = System.nanoTime();
        try (Model m = Model.importOnnx(model, new ImportOptions(encoder), Execution.defaults())) {
            double importMs = (System.nanoTime() - start) / 1e6;
            long saveStart = System.nanoTime();
            Path tokenizerFile = tokenizer != null ? tokenizer
                    : Embedder.tokenizerCandidates(model).stream().filter(Files::isRegularFile).findFirst().orElse(null);
            m.save(output, tokenizerFile == null ? Map.of()
                    : StoredTokenizer.entries(Tokenizer.readChecked(tokenizerFile)));
            double saveMs = (System.nanoTime() - saveStart) / 1e6;
            Map<String, Integer> ops = new TreeMap<>();
            for (Node node : m.graph().nodes()) {
                ops.merge(node.op(), 1, Integer::sum);
            }
            long params = 0;
            for (WeightMatrix w : m.graph().weights().values()) {
                params += (long) w.rows() * w.cols();
            }
            out.printf(Locale.ROOT, "imported %s in %.0f ms, wrote %s (%d bytes) in %.0f ms%n", model, importMs, output,
                    Files.size(output), saveMs);
            out.printf(Locale.ROOT, "inputs   %s%n", m.inputs());
            out.printf(Locale.ROOT, "outputs  %s%n", m.outputs());
            out.printf(Locale.ROOT, "nodes    %d: %s%n", m.graph().nodes().size(), ops);
            out.printf(Locale.ROOT, "weights  %d matrices in %s, %d parameters, %d bytes%n", m.graph().weights().size(), format,
                    params, m.weightBytes());
            out.printf(Locale.ROOT, "constants %d%n", m.graph().constants().size());
            out.printf(Locale.ROOT, "tokenizer %s%n", tokenizerFile == null ? "none" : "stored from " + tokenizerFile);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
