package dev.tersor.compress.pipeline;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.gptq.GptqQuantizer;
import dev.tersor.compress.gptq.HessianAccumulator;
import dev.tersor.compress.prune.MagnitudePruning;
import dev.tersor.compress.prune.PruningMask;
import dev.tersor.compress.quant.Quantizer;
import dev.tersor.compress.quant.UniformQuantizer;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Execution;
import dev.tersor.format.FormatPolicy;
import dev.tersor.format.Objective;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.format.dense.DenseMatrix;
import dev.tersor.graph.Graph;
import dev.tersor.graph.Tensor;
import dev.tersor.model.Model;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compresses every weight matrix of a model as a {@link CompressionPlan} says: prune, quantize the
 * non-zeros (with error compensation where calibration statistics exist and the layer asks for it),
 * then encode once, in the format the layer's {@link FormatPolicy} places it in. The result is a new
 * model; the source stays open and unchanged.
 */
public final class Compressor {

    /**
     * What happened to one layer.
     *
     * @param layer       the layer
     * @param rows        the matrix's rows
     * @param cols        the matrix's columns
     * @param settings    the settings it got
     * @param compensated whether error compensation was applied (the layer asked for it and had
     *                    calibration statistics)
     * @param format      the format chosen
     * @param bytesBefore the source matrix's bytes
     * @param bytesAfter  the compressed matrix's bytes
     * @param levels      distinct values (codebook size; 0 for float32 layers)
     * @param entropyBits entropy of the codes per entry (NaN for float32 layers)
     * @param density     fraction of non-zero entries
     * @param candidates  bytes in every format {@code auto} tried
     */
    public record LayerReport(Layer layer, int rows, int cols, LayerSettings settings, boolean compensated, String format, long bytesBefore, long bytesAfter,
                              int levels, double entropyBits, double density, Map<String, Long> candidates) {
    }

    /** Called after each layer, in order, from the compressing thread. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (report, index, total) -> {
        };

        void layerDone(LayerReport report, int index, int total);
    }

    /** The compressed model (the caller closes it) and one report per weight matrix. */
    public record Result(Model model, List<LayerReport> layers) {
        public long bytesBefore() {
            return layers.stream().mapToLong(LayerReport::bytesBefore).sum();
        }

        public long bytesAfter() {
            return layers.stream().mapToLong(LayerReport::bytesAfter).sum();
        }
    }

    private final CompressionPlan plan;
    private final Map<String, HessianAccumulator> hessians;
    private final CostModel costs;
    private final TokenFrequencies tokens;
    private final GptqQuantizer gptq = GptqQuantizer.defaults();

    /**
     * @param hessians calibration statistics per weight name (empty for none)
     * @param costs    cost model for the speed objective (may be null under the size objective)
     */
    public Compressor(CompressionPlan plan, Map<String, HessianAccumulator> hessians, CostModel costs) {
        this(plan, hessians, costs, null);
    }

    /**
     * @param tokens token counts of the calibration text, for layers whose steps follow token
     *               frequency ({@code /tokens:R[xM]}); null to use the frequency prior alone
     */
    public Compressor(CompressionPlan plan, Map<String, HessianAccumulator> hessians, CostModel costs,
                      TokenFrequencies tokens) {
        this.plan = plan;
        this.hessians = Map.copyOf(hessians);
        this.costs = costs;
        this.tokens = tokens;
        if (plan.objective() == Objective.SPEED && costs == null) {
            throw new IllegalArgumentException("the speed objective needs a cost model");
        }
    }

    public Result compress(Model source, Execution execution, Listener listener, ProgressListener progress) {
        Graph graph = source.graph();
        List<Layer> layers = Layer.of(graph);
        Map<String, PruningMask> global = globalMasks(graph, layers);
        Map<String, WeightMatrix> weights = new LinkedHashMap<>();
        List<LayerReport> reports = new ArrayList<>();
        try {
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                WeightMatrix original = graph.weights().get(layer.weight());
                LayerSettings settings = plan.settingsFor(layer.name());
                LayerReport report;
                try (Arena arena = Arena.ofConfined()) {
                    DenseMatrixView dense = plain(original, arena);
                    QuantizedMatrix q = quantize(layer, dense, settings, global.get(layer.weight()), progress);
                    FormatPolicy.Placed chosen = FormatPolicy.of(settings.format(), plan.objective(), costs).place(q);
                    weights.put(layer.weight(), chosen.matrix());
                    long nonZeros = nonZeros(q);
                    report = new LayerReport(layer, q.rows(), q.cols(), settings, compensates(layer, settings), chosen.matrix().formatName(), original.byteSize(),
                            chosen.matrix().byteSize(), settings.quant() == null ? 0 : q.codebookSize(),
                            settings.quant() == null ? Double.NaN : q.entropyBits(),
                            (double) nonZeros / Math.max(1, (long) q.rows() * q.cols()), chosen.candidates());
                }
                reports.add(report);
                listener.layerDone(report, i, layers.size());
            }
            Map<String, Tensor> constants = new HashMap<>();
            graph.constants().forEach((k, t) -> constants.put(k, Tensor.copyOf(t.type(), t.shape(), t.data())));
            Graph compressed = new Graph(graph.inputs(), graph.outputs(), graph.nodes(),
                    new LinkedHashMap<>(orderedLike(graph.constants(), constants)), weights);
            return new Result(Model.of(compressed, execution), List.copyOf(reports));
        } catch (RuntimeException e) {
            weights.values().forEach(WeightMatrix::close);
            throw e;
        }
    }

    /**
     * The plain float values of a source weight: an imported model's weights are dense, and those
     * are read where they lie; only a weight stored in another format is decoded, into {@code arena}.
     */
    public static DenseMatrixView plain(WeightMatrix w, Arena arena) {
        return w instanceof DenseMatrix dense ? dense.view() : w.decode(arena);
    }

    static long nonZeros(QuantizedMatrix q) {
        long[] counts = q.codeCounts();
        long n = 0;
        for (int c = 0; c < counts.length; c++) {
            if (q.codebookValue(c) != 0f) {
                n += counts[c];
            }
        }
        return n;
    }

    private static Map<String, Tensor> orderedLike(Map<String, Tensor> order, Map<String, Tensor> values) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        order.keySet().forEach(k -> out.put(k, values.get(k)));
        return out;
    }

    /**
     * The quantized matrix for one layer under {@code settings}; float32 values (bit for bit) when it
     * has no quantizer.
     *
     * @param mask the global pruning mask of this layer, or null to prune by the layer's sparsity
     */
    public QuantizedMatrix quantize(Layer layer, DenseMatrixView dense, LayerSettings settings, PruningMask mask,
                                    ProgressListener progress) {
        if (mask == null && settings.sparsity() > 0) {
            mask = MagnitudePruning.perLayer(dense, settings.sparsity());
        }
        if (settings.quant() == null) {
            return QuantizedMatrix.fromDense(mask == null ? dense : mask.apply(dense));
        }
        Quantizer quantizer = quantizer(layer, dense.rows(), settings.quant());
        if (compensates(layer, settings)) {
            return gptq.quantize(dense, hessians.get(layer.weight()), quantizer, mask, progress);
        }
        return quantizer.quantize(mask == null ? dense : mask.apply(dense), progress);
    }

    /** The quantizer {@code spec} names, with token-frequency row factors when it asks for them. */
    private Quantizer quantizer(Layer layer, int rows, QuantSpec spec) {
        if (spec.tokenSteps() == null) {
            return spec.quantizer();
        }
        if (!layer.op().equals("Embedding")) {
            throw new IllegalArgumentException("token-frequency steps are for embedding tables; " + layer.name()
                    + " is used by a " + layer.op() + " node");
        }
        TokenFrequencies counts = tokens != null ? tokens : TokenFrequencies.none(rows);
        return ((UniformQuantizer) spec.quantizer()).withRowFactors(counts.stepFactors(rows,
                spec.tokenSteps().referenceRank(), spec.tokenSteps().maxFactor()));
    }

    /** Whether {@code layer} is quantized with error compensation under {@code settings}. */
    public boolean compensates(Layer layer, LayerSettings settings) {
        HessianAccumulator h = hessians.get(layer.weight());
        return settings.quant() != null && settings.compensate() && h != null && h.samples() > 0;
    }

    private Map<String, PruningMask> globalMasks(Graph graph, List<Layer> layers) {
        Map<String, PruningMask> masks = new HashMap<>();
        if (plan.globalPruning() <= 0) {
            return masks;
        }
        // one threshold over every matrix of the model, embedding tables included
        List<Layer> pruned = layers;
        List<DenseMatrixView> views = new ArrayList<>();
        for (Layer l : pruned) {
            WeightMatrix w = graph.weights().get(l.weight());
            views.add(DenseMatrixView.of(w.rows(), w.cols(), w.toDense()));
        }
        List<PruningMask> result = MagnitudePruning.global(views, plan.globalPruning());
        for (int i = 0; i < pruned.size(); i++) {
            masks.put(pruned.get(i).weight(), result.get(i));
        }
        return masks;
    }
}
