package dev.tersor.model;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Graph;
import dev.tersor.graph.Node;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies an {@link ExecutionPolicy} at load: picks, for each product weight, the layout the cost
 * model rates fastest among the one it is stored in and the decode-free ones (dense, CSR, and CSER
 * for matrices without row scales and with at most {@value #MAX_CSER_LEVELS} levels), and re-encodes
 * it losslessly. The decode goes row by row into off-heap memory; nothing is copied onto the heap
 * for a dense target.
 */
final class Transcoder {

    static final int MAX_CSER_LEVELS = 4096;

    private Transcoder() {
    }

    /** What loading did to one weight. */
    record Choice(String weight, String stored, String target, long storedBytes, long residentBytes) {
    }

    record Result(Graph graph, List<Choice> choices) {
    }

    static Result apply(Graph graph, ExecutionPolicy policy, FormatCostModel costs) {
        List<Choice> choices = new ArrayList<>();
        if (policy.kind() == ExecutionPolicy.Kind.STORED) {
            graph.weights().forEach((name, w) -> choices.add(new Choice(name, w.formatName(), w.formatName(),
                    w.byteSize(), w.byteSize())));
            return new Result(graph, choices);
        }
        Set<String> tables = new HashSet<>();
        for (Node node : graph.nodes()) {
            if (node.op().equals("Embedding")) {
                tables.add(node.attributes().getString("weight", ""));
            }
        }
        record Plan(String name, WeightMatrix stored, String target, double gain) {
        }
        List<Plan> plans = new ArrayList<>();
        long resident = 0;
        for (var e : graph.weights().entrySet()) {
            WeightMatrix w = e.getValue();
            resident += w.byteSize();
            if (tables.contains(e.getKey())) {
                continue;
            }
            MatrixStatistics stats = MatrixStatistics.of(w);
            String best = w.formatName();
            double bestCost = costs.cost(best, stats);
            for (String candidate : candidates(w, stats)) {
                double c = costs.cost(candidate, stats);
                if (c < bestCost) {
                    best = candidate;
                    bestCost = c;
                }
            }
            if (!best.equals(w.formatName())) {
                plans.add(new Plan(e.getKey(), w, best, costs.cost(w.formatName(), stats) - bestCost));
            }
        }
        Map<String, WeightMatrix> replaced = new LinkedHashMap<>();
        if (policy.kind() == ExecutionPolicy.Kind.BUDGET) {
            // Most time saved per stored byte first: the extra bytes are unknown until encoded.
            plans.sort(Comparator.comparingDouble((Plan p) -> -p.gain() / Math.max(1, p.stored().byteSize())));
        }
        try {
            for (Plan p : plans) {
                WeightMatrix target = transcode(p.stored(), p.target());
                long extra = target.byteSize() - p.stored().byteSize();
                if (policy.kind() == ExecutionPolicy.Kind.BUDGET && resident + extra > policy.budgetBytes() && extra > 0) {
                    target.close();
                    continue;
                }
                resident += extra;
                replaced.put(p.name(), target);
            }
        } catch (RuntimeException e) {
            replaced.values().forEach(WeightMatrix::close);
            throw e;
        }
        Map<String, WeightMatrix> weights = new LinkedHashMap<>();
        for (var e : graph.weights().entrySet()) {
            WeightMatrix stored = e.getValue();
            WeightMatrix running = replaced.getOrDefault(e.getKey(), stored);
            weights.put(e.getKey(), running);
            choices.add(new Choice(e.getKey(), stored.formatName(), running.formatName(), stored.byteSize(), running.byteSize()));
            if (running != stored) {
                stored.close();
            }
        }
        return new Result(new Graph(graph.inputs(), graph.outputs(), graph.nodes(), graph.constants(), weights), choices);
    }

    private static List<String> candidates(WeightMatrix w, MatrixStatistics stats) {
        List<String> out = new ArrayList<>(List.of("dense", "csr"));
        if (!w.layout().arrays().containsKey("rowScale") && stats.levelsCounted() && stats.distinctLevels() <= MAX_CSER_LEVELS) {
            out.add("cser");
        }
        return out;
    }

    /** {@code w} re-encoded in {@code format}, decoded row by row into off-heap memory. */
    static WeightMatrix transcode(WeightMatrix w, String format) {
        MatrixFormat target = MatrixFormats.named(format);
        Arena arena = Arena.ofShared();
        try {
            long rowBytes = 4L * w.cols();
            MemorySegment data = arena.allocate(Layouts.F32, Math.max(1, (long) w.rows() * w.cols()));
            for (int r = 0; r < w.rows(); r++) {
                w.decodeRow(r, data.asSlice(r * rowBytes, rowBytes));
            }
            if (format.equals("dense")) {
                return target.fromLayout(new Layout("dense", w.rows(), w.cols(), Map.of(),
                        Map.of("values", LayoutArray.f32(data.asSlice(0, rowBytes * w.rows())))), arena);
            }
            try {
                return target.encode(QuantizedMatrix.fromDense(new DenseMatrixView(w.rows(), w.cols(), data)));
            } finally {
                arena.close();
            }
        } catch (RuntimeException e) {
            if (arena.scope().isAlive()) {
                arena.close();
            }
            throw e;
        }
    }
}
