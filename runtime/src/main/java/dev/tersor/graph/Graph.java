package dev.tersor.graph;

import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.ops.Operator;
import dev.tersor.graph.ops.Operators;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
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

    /**
     * Checks the structure: every operator is known and accepts its attributes, every value is
     * defined once before use, every weight a node names exists, and every output is defined.
     * Throws {@link UnsupportedModelException} or {@link InvalidModelException}.
     */
    public void validate() {
        Set<String> defined = new HashSet<>();
        for (ValueInfo input : inputs) {
            define(defined, input.name(), "graph input");
        }
        for (String name : constants.keySet()) {
            define(defined, name, "constant");
        }
        for (Node node : nodes) {
            Operator op = Operators.of(node);
            op.check(node);
            for (String input : node.inputs()) {
                if (!input.isEmpty() && !defined.contains(input)) {
                    throw new InvalidModelException(node.describe() + ": input '" + input
                            + "' is not defined before the node (dangling name or nodes out of order)");
                }
            }
            String weight = node.attributes().getString("weight", null);
            if (weight != null && !weights.containsKey(weight)) {
                throw new InvalidModelException(node.describe() + ": weight '" + weight + "' does not exist");
            }
            for (String output : node.outputs()) {
                if (output.isEmpty()) {
                    throw new UnsupportedModelException(node.describe() + ": omitted outputs are not supported");
                }
                define(defined, output, node.describe() + " output");
            }
        }
        if (outputs.isEmpty()) {
            throw new InvalidModelException("the graph has no outputs");
        }
        for (String output : outputs) {
            if (!defined.contains(output)) {
                throw new InvalidModelException("graph output '" + output + "' is never computed");
            }
        }
    }

    private static void define(Set<String> defined, String name, String what) {
        if (name.isEmpty()) {
            throw new InvalidModelException(what + " has an empty name");
        }
        if (!defined.add(name)) {
            throw new InvalidModelException("value '" + name + "' (" + what + ") is defined twice");
        }
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
