package dev.tersor.graph.compile;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;

/** Small matching helpers shared by the fusion passes. */
final class Patterns {

    private Patterns() {
    }

    /** Whether {@code name} is a float constant holding one value equal to {@code expected} within {@code tolerance}. */
    static boolean isScalar(MutableGraph graph, String name, double expected, double tolerance) {
        Tensor t = graph.constant(name);
        return t != null && t.type() == ElementType.F32 && t.size() == 1 && Math.abs(t.getDouble(0) - expected) <= tolerance;
    }

    /** The input of a two-input node other than {@code known}, or {@code null} if {@code known} is not one of them. */
    static String other(Node node, String known) {
        if (node.inputs().size() != 2) {
            return null;
        }
        if (node.input(0).equals(known)) {
            return node.input(1);
        }
        if (node.input(1).equals(known)) {
            return node.input(0);
        }
        return null;
    }

    /** The only consumer of {@code value} if it has exactly one and it is an {@code op} node. */
    static Node soleConsumer(MutableGraph graph, String value, String op) {
        if (!graph.singleUse(value)) {
            return null;
        }
        Node node = graph.consumers(value).getFirst();
        return node.op().equals(op) ? node : null;
    }
}
