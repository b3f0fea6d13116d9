package dev.tersor.model;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.FormatCostModel;
import dev.tersor.format.FormatPolicy;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.MatrixStatistics;
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
 * model rates fastest ({@link FormatPolicy#fastestToRun}: the stored one or a decode-free one its
 * row allows), and re-encodes it losslessly. The decode goes row by row into off-heap memory;
 * nothing is copied onto the heap for a dense target.
 */
final class Transcoder {

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
        record Plan(String name, WeightMatrix stored, MatrixFormat target, double gain) {
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
            MatrixFormat best = FormatPolicy.fastestToRun(w, stats, costs);
            if (!best.name().equals(w.formatName())) {
                double storedCost = costs.cost(MatrixFormats.named(w.formatName()), stats);
                plans.add(new Plan(e.getKey(), w, best, storedCost - costs.cost(best, stats)));
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

    /** {@code w} re-encoded in {@code target}, decoded row by row into off-heap memory. */
    static WeightMatrix transcode(WeightMatrix w, MatrixFormat target) {
        try (Arena arena = Arena.ofConfined()) {
            long rowBytes = 4L * w.cols();
            MemorySegment data = arena.allocate(Layouts.F32, Math.max(1, (long) w.rows() * w.cols()));
            for (int r = 0; r < w.rows(); r++) {
                w.decodeRow(r, data.asSlice(r * rowBytes, rowBytes));
            }
            return target.encodeToRun(new DenseMatrixView(w.rows(), w.cols(), data));
        }
    }
}
