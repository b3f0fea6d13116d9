package dev.tersor.graph;

import java.util.List;
import java.util.Objects;

/**
 * One operation of a graph: its name (for messages), operator, input and output value names, and
 * attributes. An empty input name stands for an omitted optional input, as in ONNX.
 */
public record Node(String name, String op, List<String> inputs, List<String> outputs, Attributes attributes) {

    public Node {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(op, "op");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        Objects.requireNonNull(attributes, "attributes");
    }

    /** Input {@code i}, or {@code ""} if absent. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    public String output(int i) {
        return outputs.get(i);
    }

    /** How messages name this node: {@code Op 'name'}. */
    public String describe() {
        return op + " node '" + (name.isEmpty() ? outputs.isEmpty() ? "?" : outputs.getFirst() : name) + "'";
    }
}
