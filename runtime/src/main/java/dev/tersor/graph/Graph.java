package dev.tersor.graph;

import dev.tersor.format.WeightMatrix;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graph IR: typed inputs, nodes in topological order, named constants (small tensors, shape
 * data, biases, norms' parameters) and named weight matrices in Tersor formats, which the
 * {@code Linear}, {@code Conv} and {@code Embedding} nodes reference by name. Immutable; the weights'
 * lifetime belongs to whoever built the graph (a {@link dev.tersor.model.Model}).
 */
public record Graph(List<ValueInfo> inputs, List<String> outputs, List<Node> nodes, Map<String, Tensor> constants,
                    Map<String, WeightMatrix> weights) {

    public Graph {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        nodes = List.copyOf(nodes);
        constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** The input called {@code name}, or {@code null}. */
    public ValueInfo input(String name) {
        for (ValueInfo input : inputs) {
            if (input.name().equals(name)) {
                return input;
            }
        }
        return null;
    }

    /** The weights {@code Embedding} nodes gather rows from (embedding tables), in node order. */
    public Set<String> embeddingTables() {
        return embeddingTables(nodes);
    }

    /** {@link #embeddingTables()} of a list of nodes, for readers that have not built the graph yet. */
    public static Set<String> embeddingTables(List<Node> nodes) {
        Set<String> tables = new LinkedHashSet<>();
        for (Node node : nodes) {
            if (node.op().equals("Embedding")) {
                tables.add(node.attributes().getString("weight", ""));
            }
        }
        return tables;
    }

    /**
     * Of {@link #embeddingTables(List)}, those no other node names: tables the graph only gathers rows
     * from and never multiplies.
     */
    public static Set<String> gatheredOnly(List<Node> nodes) {
        Set<String> tables = embeddingTables(nodes);
        Set<String> other = new HashSet<>();
        for (Node node : nodes) {
            String weight = node.attributes().getString("weight", null);
            if (weight != null && !node.op().equals("Embedding")) {
                other.add(weight);
            }
        }
        tables.removeAll(other);
        return tables;
    }
}
