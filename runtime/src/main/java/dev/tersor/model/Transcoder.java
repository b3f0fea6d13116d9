package dev.tersor.model;

import dev.tersor.format.FormatCostModel;
import dev.tersor.format.FormatPolicy;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies an {@link ExecutionPolicy} at load: picks, for each product weight, the layout the cost
 * model rates fastest that takes its values ({@link FormatPolicy#fasterToRun}, then
 * {@link MatrixFormat#transcodeToRun}, which may refuse; else the stored one), and re-encodes it
 * losslessly. Weights are counted and transcoded in parallel, each decoded row by row: nothing holds
 * a whole matrix as floats on the heap.
 */
final class Transcoder {

    private Transcoder() {
    }

    /** What loading did to one weight. */
    record Choice(String weight, String stored, String target, long storedBytes, long residentBytes) {
    }

    /** The graph with its running weights; {@code rated} whether some weight's layout was chosen afresh. */
    record Result(Graph graph, List<Choice> choices, boolean rated) {

        /** The format each weight runs in. */
        Map<String, String> runFormats() {
            Map<String, String> formats = new LinkedHashMap<>();
            choices.forEach(c -> formats.put(c.weight(), c.target()));
            return formats;
        }
    }

    /**
     * Applies {@code policy} to {@code graph}'s weights, running each product weight named in
     * {@code remembered} (weight → format, a {@link LoadDecisions} entry; empty when there is none)
     * in that format without rating it, unless that format refuses it; other weights are rated.
     */
    static Result apply(Graph graph, ExecutionPolicy policy, FormatCostModel costs, Map<String, String> remembered) {
        List<Choice> choices = new ArrayList<>();
        if (policy.kind() == ExecutionPolicy.Kind.STORED) {
            graph.weights().forEach((name, w) -> choices.add(new Choice(name, w.formatName(), w.formatName(),
                    w.byteSize(), w.byteSize())));
            return new Result(graph, choices, false);
        }
        Set<String> tables = graph.embeddingTables();
        List<String> products = graph.weights().keySet().stream().filter(name -> !tables.contains(name)).toList();
        long storedBytes = graph.weights().values().stream().mapToLong(WeightMatrix::byteSize).sum();
        Plan[] plans = new Plan[products.size()];
        EachInParallel.run(plans.length, i -> {
            String name = products.get(i);
            WeightMatrix w = graph.weights().get(name);
            String format = remembered.get(name);
            plans[i] = format != null && MatrixFormats.names().contains(format) ? Plan.recalled(name, w, format)
                    : Plan.of(name, w, costs);
        });
        Map<String, WeightMatrix> replaced = policy.kind() == ExecutionPolicy.Kind.BUDGET
                ? withinBudget(plans, storedBytes, policy.budgetBytes()) : allFaster(plans, costs);
        boolean rated = Arrays.stream(plans).anyMatch(p -> !p.recalled());
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
        return new Result(new Graph(graph.inputs(), graph.outputs(), graph.nodes(), graph.constants(), weights), choices,
                rated);
    }

    /**
     * What loading may run one product weight in: the formats rated faster than its own, cheapest
     * first, or the one format an earlier load chose ({@code recalled}).
     */
    private record Plan(String name, WeightMatrix stored, List<MatrixFormat> faster, double gain, boolean recalled) {

        static Plan of(String name, WeightMatrix stored, FormatCostModel costs) {
            MatrixStatistics stats = MatrixStatistics.of(stored);
            List<MatrixFormat> faster = FormatPolicy.fasterToRun(stored, stats, costs);
            double gain = faster.isEmpty() ? 0 : costs.cost(MatrixFormats.named(stored.formatName()), stats)
                    - costs.cost(faster.getFirst(), stats);
            return new Plan(name, stored, faster, gain, false);
        }

        static Plan recalled(String name, WeightMatrix stored, String format) {
            List<MatrixFormat> target = format.equals(stored.formatName()) ? List.of() : List.of(MatrixFormats.named(format));
            return new Plan(name, stored, target, 0, true);
        }

        /** The weight in the first faster format that takes its values, or null if none does. */
        WeightMatrix transcode() {
            for (MatrixFormat target : faster) {
                WeightMatrix running;
                try {
                    running = target.transcodeToRun(stored);
                } catch (IllegalArgumentException e) {
                    if (!recalled) {
                        throw e;
                    }
                    // a remembered format that cannot hold the weight (a damaged entry) is a refusal
                    running = null;
                }
                if (running != null) {
                    return running;
                }
            }
            return null;
        }
    }

    /**
     * Every weight a faster format takes, transcoded in parallel (each decodes only its own weight);
     * a weight its remembered format refuses is rated afresh.
     */
    private static Map<String, WeightMatrix> allFaster(Plan[] plans, FormatCostModel costs) {
        WeightMatrix[] running = new WeightMatrix[plans.length];
        try {
            EachInParallel.run(plans.length, i -> {
                running[i] = plans[i].transcode();
                if (running[i] == null && plans[i].recalled() && !plans[i].faster().isEmpty()) {
                    plans[i] = Plan.of(plans[i].name(), plans[i].stored(), costs);
                    running[i] = plans[i].transcode();
                }
            });
        } catch (RuntimeException | Error e) {
            closeAll(Arrays.asList(running));
            throw e;
        }
        Map<String, WeightMatrix> replaced = new LinkedHashMap<>();
        for (int i = 0; i < plans.length; i++) {
            if (running[i] != null) {
                replaced.put(plans[i].name(), running[i]);
            }
        }
        return replaced;
    }

    /**
     * Weights transcoded one at a time, most time saved per stored byte first (the extra bytes are
     * unknown until encoded), each kept only while the resident bytes stay within {@code budget}.
     */
    private static Map<String, WeightMatrix> withinBudget(Plan[] plans, long resident, long budget) {
        List<Plan> order = new ArrayList<>(Arrays.asList(plans));
        order.sort(Comparator.comparingDouble((Plan p) -> -p.gain() / Math.max(1, p.stored().byteSize())));
        Map<String, WeightMatrix> replaced = new LinkedHashMap<>();
        try {
            for (Plan p : order) {
                WeightMatrix target = p.transcode();
                if (target == null) {
                    continue;
                }
                long extra = target.byteSize() - p.stored().byteSize();
                if (resident + extra > budget && extra > 0) {
                    target.close();
                    continue;
                }
                resident += extra;
                replaced.put(p.name(), target);
            }
        } catch (RuntimeException | Error e) {
            closeAll(replaced.values());
            throw e;
        }
        return replaced;
    }

    private static void closeAll(Collection<WeightMatrix> matrices) {
        for (WeightMatrix m : matrices) {
            if (m != null) {
                m.close();
            }
        }
    }
}
