package dev.tersor.cli;

import dev.tersor.cli.corpus.BroadText;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.compress.pipeline.CalibrationText;
import dev.tersor.compress.pipeline.CompressionJob;
import dev.tersor.compress.pipeline.CompressionPlan;
import dev.tersor.compress.pipeline.Compressor;
import dev.tersor.compress.pipeline.CostModel;
import dev.tersor.compress.pipeline.LayerSettings;
import dev.tersor.compress.pipeline.Presets;
import dev.tersor.compress.pipeline.QuantSpec;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.embed.StoredTokenizer;
import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Objective;
import dev.tersor.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Compresses a model's weights into a .tsr file, layer by layer. */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compress a model (.onnx or .tsr) into a .tsr file: prune, quantize, pick each layer's format.",
                "Without --quant or --target-cosine it uses the default preset: per-role uniform steps tuned on",
                "all-MiniLM-L6-v2, error-compensated on broad English calibration sentences (Europarl, disjoint",
                "from the text eval-embed and demo judge on)."})
final class CompressCommand implements Runnable {

    /**
     * Calibration sentences of the default preset, about 28,000 tokens: error compensation fitted to
     * the 128 sentences used before (3,600 tokens) generalised worse, 0.0008 to 0.0017 lower mean
     * cosine on every broad held-out corpus at the same size.
     */
    static final int DEFAULT_CALIBRATION = 1000;
    /**
     * Calibration sentences of a budgeted search: it runs the model on a third of them for every
     * candidate it tries, so more would multiply its minutes.
     */
    static final int SEARCH_CALIBRATION = 128;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "The model: .onnx or .tsr.")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.tsr", description = "Where to write the compressed model.")
    Path output;

    @Option(names = "--prune", defaultValue = "0", paramLabel = "P",
            description = "Prune this fraction of every layer's entries by magnitude (0 to <1). Default: ${DEFAULT-VALUE}.")
    double prune;

    @Option(names = "--global-prune", description = "Prune with one magnitude threshold over all layers instead of per layer.")
    boolean globalPrune;

    @Option(names = "--quant", paramLabel = "KIND[:K][@PARAM][/row|/matrix]",
            description = "Quantizer of every layer: uq, cws, pws, ecsq or perchannel (e.g. uq@0.2, cws:16, ecsq:32@0.01, perchannel:16@0.05). Default: the preset.")
    String quant;

    @Option(names = "--pin", paramLabel = "PATTERN=QUANT",
            description = "Quantizer (or 'float') for layers whose name matches the regular expression; repeatable, first match wins.")
    List<String> pins = new ArrayList<>();

    @Option(names = "--format", defaultValue = "auto", paramLabel = "auto|NAME",
            description = "Format of every layer, or auto to choose per layer. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--objective", defaultValue = "size", paramLabel = "size|speed",
            description = "What auto minimizes: exact bytes, or predicted time (a per-machine cost model, measured once). Default: ${DEFAULT-VALUE}.")
    String objective;

    @Option(names = "--target-cosine", paramLabel = "X",
            description = {"Search per-layer steps for the smallest model whose mean embedding cosine to the input is ≥ X,",
                    "then check it on " + HELD_OUT_SENTENCES + " held-out Europarl sentences no step saw; search again (up to "
                            + MAX_SEARCHES + " times) with a higher aim while it misses there. Exits 1 if it still misses."})
    Double targetCosine;

    @Option(names = "--calib", paramLabel = "FILE",
            description = "Calibration sentences, one per line (default: the calibration share of the broad English "
                    + "Europarl text, disjoint from eval-embed's held-out share).")
    Path calib;

    @Option(names = "--calib-sentences", paramLabel = "N",
            description = "Calibration sentences to use. Default: " + DEFAULT_CALIBRATION + ", or "
                    + SEARCH_CALIBRATION + " with --target-cosine.")
    Integer calibSentences;

    @Option(names = "--no-compensate", description = "Plain rounding: no calibration, no error compensation.")
    boolean noCompensate;

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
            description = "The tokenizer for calibration; default: the one stored in the .tsr, else beside the model.")
    Path tokenizer;

    /** The sentences of --calib, read while checking the arguments. */
    private List<String> calibText;

    /** Most calibration sentences: far more than error compensation needs, well within memory. */
    static final int MAX_CALIBRATION = 1_000_000;
    /** Held-out sentences the result of a --target-cosine search is checked on. */
    static final int HELD_OUT_SENTENCES = 300;
    /** Searches before a --target-cosine run gives up: each one aims higher by what the last one missed. */
    static final int MAX_SEARCHES = 3;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            checkArguments();
            CompressionPlan plan = plan();
            CostModel costs = plan.objective() == Objective.SPEED
                    ? CostModel.loadOrCalibrate(CostModel.defaultCache(), new java.io.PrintStream(System.out, true)) : null;
            long start = System.nanoTime();
            try (Model source = Model.load(input);
                 Tokenizer tok = noCompensate ? null : findTokenizer(source, out);
                 ProgressBars bars = new ProgressBars()) {
                List<String> sentences = tok == null ? List.of() : calibration(out);
                Map<String, String> metadata = tok == null ? Map.of() : tokenizerMetadata(tokenizer, source, input);
                double aim = targetCosine == null ? Double.NaN : targetCosine;
                for (int search = 1; ; search++) {
                    CompressionJob job = new CompressionJob(plan, aim, sentences);
                    Compressor.Result result = job.run(source, tok, costs, bars.layers(out), bars, bars.log(out));
                    try (Model compressed = result.model()) {
                        compressed.save(output, metadata);
                    }
                    long before = result.bytesBefore();
                    long after = result.bytesAfter();
                    out.printf(Locale.ROOT, "weights %d -> %d bytes (x%.2f); %s is %d bytes (%.2f MB); %.1f s%n", before, after,
                            (double) before / after, output, Files.size(output), Files.size(output) / 1e6,
                            (System.nanoTime() - start) / 1e9);
                    if (targetCosine == null) {
                        return;
                    }
                    EmbeddingComparison heldOut = heldOutCheck(source, metadata, sentences);
                    boolean meets = heldOut.meanCosine() >= targetCosine;
                    out.printf(Locale.ROOT, "held out: mean cosine %.5f (min %.5f) on %d Europarl sentences no step saw: %s the"
                                    + " target %s%n", heldOut.meanCosine(), heldOut.minCosine(), heldOut.sentences(),
                            meets ? "meets" : "misses", targetCosine);
                    if (meets) {
                        return;
                    }
                    if (search == MAX_SEARCHES || aim >= MAX_AIM) {
                        throw new IllegalStateException(output + " misses --target-cosine " + targetCosine
                                + " on held-out text (mean " + String.format(Locale.ROOT, "%.5f", heldOut.meanCosine())
                                + ") after " + search + " searches; it is written, but aim higher or calibrate on more text");
                    }
                    aim = nextAim(aim, targetCosine, heldOut.meanCosine());
                    out.printf(Locale.ROOT, "searching again, aiming for %.5f on the calibration text%n", aim);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int calibrationSentences() {
        return calibSentences != null ? calibSentences : targetCosine != null ? SEARCH_CALIBRATION : DEFAULT_CALIBRATION;
    }

    /** Every argument checked before the model loads, so a typo costs no minutes of work. */
    private void checkArguments() throws IOException {
        Arguments.inputFile("model", input);
        Arguments.outputFile("-o", output, input);
        Arguments.inRange("--prune", prune, 0, 1, true);
        if (targetCosine != null) {
            Arguments.inRange("--target-cosine", targetCosine, 0, 1, false);
        }
        if (!noCompensate) {
            Arguments.inRange("--calib-sentences", calibrationSentences(), 1, MAX_CALIBRATION);
        }
        if (calib != null && !noCompensate) {
            calibText = CalibrationText.read(Arguments.inputFile("--calib", calib));
            if (calibText.isEmpty()) {
                throw new IllegalArgumentException("--calib " + calib + " holds no sentences (one a line)");
            }
        }
        if (tokenizer != null) {
            Arguments.inputFile("--tokenizer", tokenizer);
        }
    }

    static String line(Compressor.LayerReport r, int i, int n) {
        return String.format(Locale.ROOT, "[%2d/%d] %-58s %5dx%-5d %-16s %-6s %9d -> %8d B %5.2f bits/w K=%d H=%.2f density=%.3f",
                i + 1, n, r.layer().name(), r.rows(), r.cols(),
                (r.settings().quant() == null ? "float" : r.settings().quant() + (r.compensated() ? "+gptq" : "")), r.format(),
                r.bytesBefore(), r.bytesAfter(), 8.0 * r.bytesAfter() / ((double) r.rows() * r.cols()), r.levels(),
                r.entropyBits(), r.density());
    }

    private CompressionPlan plan() {
        Objective obj = switch (objective.toLowerCase(Locale.ROOT)) {
            case "size" -> Objective.SIZE;
            case "speed" -> Objective.SPEED;
            default -> throw new IllegalArgumentException("--objective is size or speed, not '" + objective + "'");
        };
        LayerSettings base = new LayerSettings(globalPrune ? 0 : prune, null, format, !noCompensate);
        CompressionPlan plan;
        if (quant != null) {
            plan = CompressionPlan.of(base.withQuant(QuantSpec.parse(quant)));
        } else if (targetCosine != null) {
            plan = CompressionPlan.of(base.withQuant(QuantSpec.uniform(QuantSpec.DEFAULT_UQ_STEP)));
        } else {
            plan = Presets.parse(Presets.MINILM, base);
        }
        for (int i = pins.size() - 1; i >= 0; i--) {
            CompressionPlan pinned = Presets.parse(pins.get(i), base);
            for (CompressionPlan.Pin p : pinned.pins()) {
                plan = plan.pinFirst(p);
            }
        }
        if (globalPrune) {
            plan = plan.withGlobalPruning(prune);
        }
        return plan.withObjective(obj);
    }

    /** Highest mean cosine a search is asked for: the search cannot promise more than fp32 rounding allows. */
    static final double MAX_AIM = 0.9999;

    /**
     * The next search's aim after one whose result reached {@code heldOut} on held-out text, short of
     * {@code target}: higher by the shortfall, and a little more, since calibration text flatters a
     * search that judged on it.
     */
    static double nextAim(double aim, double target, double heldOut) {
        return Math.min(MAX_AIM, aim + (target - heldOut) + 0.001);
    }

    /**
     * The written model against its source on held-out Europarl sentences, leaving out any that the
     * calibration used (possible only with --calib).
     */
    private EmbeddingComparison heldOutCheck(Model source, Map<String, String> metadata, List<String> calibration)
            throws IOException {
        java.util.Set<String> used = new java.util.HashSet<>(calibration);
        List<String> heldOut = BroadText.evaluation(MavenArtifacts.cacheDir(), HELD_OUT_SENTENCES).stream()
                .filter(sentence -> !used.contains(sentence)).toList();
        byte[] tokenizerJson = StoredTokenizer.json(metadata).getBytes(StandardCharsets.UTF_8);
        try (Embedder compressed = Embedder.load(output, null, EmbedderOptions.defaults());
             Embedder reference = Embedder.of(source, Tokenizer.fromJson(tokenizerJson), EmbedderOptions.defaults())) {
            return EmbeddingComparison.of(compressed, reference, heldOut);
        }
    }

    private Tokenizer findTokenizer(Model source, PrintWriter out) throws IOException {
        if (tokenizer != null) {
            return Tokenizer.load(tokenizer);
        }
        String stored = StoredTokenizer.json(source.metadata());
        if (stored != null) {
            return Tokenizer.fromJson(stored.getBytes(StandardCharsets.UTF_8));
        }
        for (Path candidate : Embedder.tokenizerCandidates(input)) {
            if (Files.isRegularFile(candidate)) {
                return Tokenizer.load(candidate);
            }
        }
        out.println("no tokenizer found (stored in the .tsr or beside the model): plain rounding without calibration");
        if (targetCosine != null) {
            throw new IllegalArgumentException("--target-cosine needs the model's tokenizer (--tokenizer)");
        }
        return null;
    }

    /**
     * The tokenizer entries a written model stores: from {@code explicitTokenizer} when given, else the
     * source's stored tokenizer, else a tokenizer file beside {@code input}; none when there is none.
     */
    static Map<String, String> tokenizerMetadata(Path explicitTokenizer, Model source, Path input) throws IOException {
        if (explicitTokenizer != null) {
            return StoredTokenizer.entries(Tokenizer.readChecked(explicitTokenizer));
        }
        String stored = StoredTokenizer.json(source.metadata());
        if (stored != null) {
            return StoredTokenizer.entries(stored);
        }
        for (Path candidate : Embedder.tokenizerCandidates(input)) {
            if (Files.isRegularFile(candidate)) {
                return StoredTokenizer.entries(Tokenizer.readChecked(candidate));
            }
        }
        return Map.of();
    }

    private List<String> calibration(PrintWriter out) throws IOException {
        if (calibText != null) {
            return calibText.subList(0, Math.min(calibText.size(), calibrationSentences()));
        }
        return BroadText.calibration(MavenArtifacts.cacheDir(), calibrationSentences());
    }
}
