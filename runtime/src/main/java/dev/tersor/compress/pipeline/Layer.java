package dev.tersor.compress.pipeline;

import dev.tersor.graph.Graph;
import dev.tersor.graph.Node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A weight matrix of a graph and the node that uses it.
 *
 * @param weight          the weight's name in {@link Graph#weights()}
 * @param node            the name of the node that uses it
 * @param op              that node's operator: {@code Linear}, {@code Embedding} or {@code Conv}
 * @param input           the activation the node multiplies by the weight (Linear only, else null)
 * @param inputTransposed whether that activation is stored feature-major when batched
 */
public record Layer(String weight, String node, String op, String input, boolean inputTransposed) {

    /** What plan pins match: the node's name, a space, the weight's name. */
    public String name() {
        return node + " " + weight;
    }

    /** Whether calibration inputs can be gathered for it (a Linear layer). */
    public boolean isLinear() {
        return op.equals("Linear");
    }

    /** Every weight of {@code graph} in the graph's weight order, with its first user. */
    public static List<Layer> of(Graph graph) {
        Map<String, Layer> byWeight = new LinkedHashMap<>();
        for (String w : graph.weights().keySet()) {
            byWeight.put(w, null);
        }
        for (Node node : graph.nodes()) {
            String w = node.attributes().getString("weight", null);
            if (w == null || byWeight.get(w) != null) {
                continue;
            }
            boolean linear = node.op().equals("Linear");
            byWeight.put(w, new Layer(w, node.name(), node.op(), linear ? node.input(0) : null,
                    linear && node.attributes().getLong("input_transposed", 0) != 0));
        }
        List<Layer> layers = new ArrayList<>();
        byWeight.forEach((w, layer) -> layers.add(layer != null ? layer : new Layer(w, w, "unused", null, false)));
        return layers;
    }
}
