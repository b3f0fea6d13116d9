package dev.tersor.compress.pipeline;

import dev.tersor.compress.EntropyEstimate;
import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.EmbeddingComparison;
import dev.tersor.embed.TokenBatch;
import dev.tersor.embed.Tokenizer;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Execution;
import dev.tersor.format.Objective;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.format.dense.DenseMatrix;
import dev.tersor.graph.Graph;
import dev.tersor.model.Model;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Budgeted compression: the per-layer uniform steps that minimize total size while the model's mean
 * embedding cosine to the original stays at or above a target on calibration text.
 *
 * <ol>
 * <li><b>Sensitivity.</b> Each layer alone is quantized at every step of a ladder (with error
 * compensation for Linear layers), the rest left in float32; its cost is 1 − mean cosine on the
 * calibration sentences and its size the {@link EntropyEstimate} of the quantized codes.</li>
 * <li><b>Greedy allocation.</b> Starting from every layer at its finest step, the move (one layer
 * to a coarser step) that saves the most bytes per unit of added cost is taken, as long as the summed
 * costs stay within a budget.</li>
 * <li><b>Judged on other text.</b> The sentences given to {@link #search} should not be those the
 * calibration statistics came from: error compensation fitted to a few hundred tokens looks far
 * better on them than on other text ({@link CompressionJob} splits its calibration text).</li>
 * <li><b>Calibration of the budget.</b> Costs do not add exactly, so the whole model is compressed
 * and measured for a few budgets (starting at 1 − target and scaled up or down), and the smallest
 * plan that meets the target plus a margin is kept.</li>
 * </ol>
 */
public final class BudgetSearch {

    private static final int BATCH = 32;

    /**
     * @param targetCosine mean cosine to reach on the calibration sentences
     * @param margin       added to the target during the search, so that unseen text also meets it
     * @param steps        the ladder of relative steps α (uniform, per row), ascending
     * @param rounds       whole-model measurements to calibrate the budget
     * @param probe        calibration sentences the per-layer sensitivities are measured on (the
     *                     whole-model rounds use all of them)
     */
    public record Options(double targetCosine, double margin, double[] steps, int rounds, int probe) {
        public Options {
            if (!(targetCosine > 0 && targetCosine < 1)) {
                throw new IllegalArgumentException("target cosine must be in (0, 1), got " + targetCosine);
            }
            steps = steps.clone();
            for (int i = 1; i < steps.length; i++) {
                if (!(steps[i] > steps[i - 1])) {
                    throw new IllegalArgumentException("steps must ascend: " + Arrays.toString(steps));
                }
            }
            if (steps.length == 0 || rounds < 1 || probe < 1) {
                throw new IllegalArgumentException("need at least one step, one round and one probe sentence");
            }
        }

        public static Options of(double targetCosine) {
            return new Options(targetCosine, 0.001, new double[] {0.12, 0.18, 0.25, 0.35, 0.5, 0.7}, 4, 32);
        }
    }

    /**
     * @param plan             the chosen per-layer plan
     * @param calibrationCosine its mean cosine on the calibration sentences
     * @param estimatedBytes   summed size estimate of its layers
     */
    public record Outcome(CompressionPlan plan, double calibrationCosine, long estimatedBytes) {
    }

    private final Model source;
    private final Tokenizer tokenizer;
    private final Map<String, HessianAccumulator> hessians;
    private final LayerSettings base;
    private final Options options;
    private final Consumer<String> log;

    /**
     * @param base settings every layer keeps apart from its step (format, sparsity, compensation)
     * @param log  receives one line per finished stage
     */
    public BudgetSearch(Model source, Tokenizer tokenizer, Map<String, HessianAccumulator> hessians, LayerSettings base,
                        Options options, Consumer<String> log) {
        this.source = source;
        this.tokenizer = tokenizer;
        this.hessians = Map.copyOf(hessians);
        this.base = base;
        this.options = options;
        this.log = log;
    }

    public Outcome search(List<String> calibration, ProgressListener progress) {
        List<TokenBatch> batch = new ArrayList<>();
        for (int i = 0; i < calibration.size(); i += BATCH) {
            batch.add(tokenizer.encode(calibration.subList(i, Math.min(calibration.size(), i + BATCH))));
        }
        float[][] reference = embed(source, batch);
        List<String> probeText = calibration.subList(0, Math.min(calibration.size(), options.probe()));
        List<TokenBatch> probe = new ArrayList<>();
        for (int i = 0; i < probeText.size(); i += BATCH) {
            probe.add(tokenizer.encode(probeText.subList(i, Math.min(probeText.size(), i + BATCH))));
        }
        float[][] probeReference = embed(source, probe);
        Graph graph = source.graph();
        List<Layer> layers = Layer.of(graph);
        double[] steps = options.steps();
        int n = layers.size();
        double[][] cost = new double[n][steps.length];
        long[][] bytes = new long[n][steps.length];
        Compressor quantizer = new Compressor(CompressionPlan.of(base), hessians, null);
        long total = (long) n * steps.length;
        progress.progress("sensitivity", 0, total);
        for (int l = 0; l < n; l++) {
            Layer layer = layers.get(l);
            WeightMatrix original = graph.weights().get(layer.weight());
            try (Arena arena = Arena.ofConfined()) {
                DenseMatrixView dense = Compressor.plain(original, arena);
                for (int s = 0; s < steps.length; s++) {
                    QuantizedMatrix q = quantizer.quantize(layer, dense, base.withQuant(QuantSpec.uniform(steps[s])), null,
                            ProgressListener.NONE);
                    bytes[l][s] = EntropyEstimate.of(q).estimatedBytes();
                    try (WeightMatrix trial = DenseMatrix.FORMAT.encode(q)) {
                        Map<String, WeightMatrix> weights = new LinkedHashMap<>(graph.weights());
                        weights.put(layer.weight(), trial);
                        cost[l][s] = 1 - EmbeddingComparison.of(embed(view(graph, weights), probe), probeReference).meanCosine();
                    }
                    progress.progress("sensitivity", (long) l * steps.length + s + 1, total);
                }
            }
            log.accept(String.format("sensitivity %-60s 1-cos %.2e .. %.2e", layer.name(), cost[l][0], cost[l][steps.length - 1]));
        }
        double budget = 1 - (options.targetCosine() + options.margin());
        double scale = 1;
        Outcome best = null;
        double low = 0;
        double high = Double.POSITIVE_INFINITY;
        for (int round = 0; round < options.rounds(); round++) {
            int[] choice = allocate(cost, bytes, budget * scale);
            CompressionPlan plan = plan(layers, choice, base);
            double cosine;
            // values do not depend on the format: measure in dense, which encodes fastest
            try (Model compressed = new Compressor(plan(layers, choice, base.withFormat(DenseMatrix.NAME)), hessians, null)
                    .compress(source, Execution.defaults(), Compressor.Listener.NONE, ProgressListener.NONE).model()) {
                cosine = EmbeddingComparison.of(embed(compressed, batch), reference).meanCosine();
            }
            long size = 0;
            for (int l = 0; l < n; l++) {
                size += bytes[l][choice[l]];
            }
            boolean meets = cosine >= options.targetCosine() + options.margin();
            log.accept(String.format("budget round %d: scale %.2f, estimated %.2f MB, calibration cosine %.5f%s", round + 1,
                    scale, size / 1e6, cosine, meets ? " (meets the target)" : ""));
            if (meets && (best == null || size < best.estimatedBytes())) {
                best = new Outcome(plan, cosine, size);
            }
            if (meets) {
                low = scale;
            } else {
                high = scale;
            }
            scale = Double.isInfinite(high) ? scale * 2 : (low == 0 ? scale / 2 : Math.sqrt(low * high));
        }
        if (best == null) {
            int[] finest = new int[n];
            log.accept("no budget met the target; keeping every layer at the finest step " + steps[0]);
            best = new Outcome(plan(layers, finest, base), Double.NaN, Arrays.stream(bytes).mapToLong(b -> b[0]).sum());
        }
        return best;
    }

    /** Greedy: from the finest steps, take the move with the most bytes saved per unit of cost. */
    static int[] allocate(double[][] cost, long[][] bytes, double budget) {
        int n = cost.length;
        int[] choice = new int[n];
        double used = 0;
        for (double[] c : cost) {
            used += Math.max(0, c[0]);
        }
        while (true) {
            int bestLayer = -1;
            int bestStep = -1;
            double bestRatio = 0;
            for (int l = 0; l < n; l++) {
                int i = choice[l];
                for (int j = i + 1; j < cost[l].length; j++) {
                    double added = Math.max(0, cost[l][j]) - Math.max(0, cost[l][i]);
                    long saved = bytes[l][i] - bytes[l][j];
                    if (saved <= 0 || used + added > budget) {
                        continue;
                    }
                    double ratio = saved / Math.max(added, 1e-12);
                    if (ratio > bestRatio) {
                        bestRatio = ratio;
                        bestLayer = l;
                        bestStep = j;
                    }
                }
            }
            if (bestLayer < 0) {
                return choice;
            }
            used += Math.max(0, cost[bestLayer][bestStep]) - Math.max(0, cost[bestLayer][choice[bestLayer]]);
            choice[bestLayer] = bestStep;
        }
    }

    private CompressionPlan plan(List<Layer> layers, int[] choice, LayerSettings base) {
        List<CompressionPlan.Pin> pins = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            pins.add(new CompressionPlan.Pin(Pattern.compile(" " + Pattern.quote(layers.get(l).weight()) + "$"),
                    base.withQuant(QuantSpec.uniform(options.steps()[choice[l]]))));
        }
        return new CompressionPlan(base, pins, Objective.SIZE, 0);
    }

    private static Model view(Graph graph, Map<String, WeightMatrix> weights) {
        // Shares weights with the source: never closed, it only lives for one measurement.
        return Model.of(new Graph(graph.inputs(), graph.outputs(), graph.nodes(), graph.constants(), weights),
                Execution.defaults());
    }

    private float[][] embed(Model model, List<TokenBatch> batches) {
        // not closed: closing would close the shared tokenizer; the model is the caller's
        Embedder embedder = Embedder.of(model, tokenizer, EmbedderOptions.defaults());
        List<float[]> out = new ArrayList<>();
        for (TokenBatch b : batches) {
            out.addAll(Arrays.asList(embedder.embed(b)));
        }
        return out.toArray(float[][]::new);
    }
}
