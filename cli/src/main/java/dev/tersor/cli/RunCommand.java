package dev.tersor.cli;

import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import dev.tersor.io.Npy;
import dev.tersor.model.ExecutionPolicy;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Runs a model on NumPy inputs and prints (or saves) its outputs. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a .tsr or .onnx model on .npy inputs; print the outputs, or save them as .npy files.")
final class RunCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A .tsr file or an ONNX model.")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "NAME=FILE.npy",
            description = "A model input and the .npy file holding it; repeat for each input.")
    List<String> inputs;

    @Option(names = "--output", paramLabel = "DIR", description = "Write each output to DIR/<name>.npy.")
    Path outputDir;

    @Option(names = "--exec", defaultValue = "fastest", paramLabel = "stored|fastest|budget:MB",
            description = "Layout each weight runs in: as stored, the fastest, or the fastest within MB of resident weights. Default: ${DEFAULT-VALUE}.")
    String exec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Arguments.inputFile("model", model);
        if (outputDir != null && Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
            throw new IllegalArgumentException("--output " + outputDir + " is a file; name a folder to write the outputs into");
        }
        ExecutionPolicy policy = ExecutionPolicy.parse(exec);
        try {
            Map<String, Tensor> values = readInputs();
            try (Model m = Model.load(model, Execution.defaults(), policy)) {
                run(m, values, out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every --input, checked (names once each, files that exist) before any is read or the model loads. */
    private Map<String, Tensor> readInputs() throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String input : inputs) {
            int eq = input.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--input takes NAME=FILE.npy, got '" + input + "'");
            }
            String name = input.substring(0, eq);
            if (files.put(name, Arguments.inputFile("--input " + name, Path.of(input.substring(eq + 1)))) != null) {
                throw new IllegalArgumentException("--input " + name + " is given twice; give each input once");
            }
        }
        Map<String, Tensor> values = new LinkedHashMap<>();
        for (var file : files.entrySet()) {
            Tensor value = Npy.read(file.getValue());
            long nonFinite = nonFinite(value);
            if (nonFinite > 0) {
                spec.commandLine().getErr().printf(Locale.ROOT, "tersor: warning: input %s holds %d NaN or infinite values;"
                        + " outputs that depend on them will not be finite%n", file.getKey(), nonFinite);
            }
            values.put(file.getKey(), value);
        }
        return values;
    }

    private void run(Model m, Map<String, Tensor> values, PrintWriter out) throws IOException {
        long start = System.nanoTime();
        Map<String, Tensor> results = m.run(values);
        double ms = (System.nanoTime() - start) / 1e6;
        if (outputDir != null) {
            Files.createDirectories(outputDir);
        }
        for (var e : results.entrySet()) {
            Tensor t = e.getValue();
            out.printf(Locale.ROOT, "%s: %s%s%n", e.getKey(), t, preview(t));
            if (outputDir != null) {
                Path file = outputDir.resolve(e.getKey().replaceAll("[^A-Za-z0-9._-]", "_") + ".npy");
                Npy.write(t, file);
                out.printf(Locale.ROOT, "  wrote %s%n", file);
            }
        }
        out.printf(Locale.ROOT, "ran in %.1f ms (first call: includes planning for these shapes)%n", ms);
    }

    private static long nonFinite(Tensor t) {
        if (t.type().isInteger()) {
            return 0;
        }
        long count = 0;
        for (long i = 0; i < t.size(); i++) {
            if (!Double.isFinite(t.getDouble(i))) {
                count++;
            }
        }
        return count;
    }

    private static String preview(Tensor t) {
        int n = Math.min(t.size(), 6);
        double[] first = new double[n];
        for (int i = 0; i < n; i++) {
            first[i] = t.getDouble(i);
        }
        return " " + Arrays.toString(first).replace("]", t.size() > n ? ", ...]" : "]");
    }
}
