package dev.tersor.graph.ops;

import dev.tersor.graph.Graph;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.UnsupportedModelException;
import dev.tersor.graph.ValueInfo;

import java.util.HashSet;
import java.util.Set;

/**
 * Checks a whole {@link Graph} before it runs. It lives beside the operators rather than in
 * {@code Graph} because it asks every node's {@link Operator} to check it, and the graph IR must
 * not depend on the operator set.
 */
public final class GraphValidator {

    private GraphValidator() {
    }

    /**
     * Checks the structure: every operator is known and accepts its attributes, every value is
     * defined once before use, every weight a node names exists, and every output is defined.
     * Throws {@link UnsupportedModelException} or {@link InvalidModelException}.
     */
    public static void validate(Graph graph) {
        Set<String> defined = new HashSet<>();
        for (ValueInfo input : graph.inputs()) {
            define(defined, input.name(), "graph input");
        }
        for (String name : graph.constants().keySet()) {
            define(defined, name, "constant");
        }
        for (Node node : graph.nodes()) {
            Operator op = Operators.of(node);
            op.check(node);
            for (String input : node.inputs()) {
                if (!input.isEmpty() && !defined.contains(input)) {
                    throw new InvalidModelException(node.describe() + ": input '" + input
                            + "' is not defined before the node (dangling name or nodes out of order)");
                }
            }
            String weight = node.attributes().getString("weight", null);
            if (weight != null && !graph.weights().containsKey(weight)) {
                throw new InvalidModelException(node.describe() + ": weight '" + weight + "' does not exist");
            }
            for (String output : node.outputs()) {
                if (output.isEmpty()) {
                    throw new UnsupportedModelException(node.describe() + ": omitted outputs are not supported");
                }
                define(defined, output, node.describe() + " output");
            }
        }
        if (graph.outputs().isEmpty()) {
            throw new InvalidModelException("the graph has no outputs");
        }
        for (String output : graph.outputs()) {
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
}
