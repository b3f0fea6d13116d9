package dev.tersor.graph;

import dev.tersor.format.WeightMatrix;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
}
