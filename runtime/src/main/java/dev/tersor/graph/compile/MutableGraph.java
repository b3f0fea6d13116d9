package dev.tersor.graph.compile;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Graph;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A graph under construction: what importers fill in and compiler passes rewrite. Passes find
 * patterns through {@link #producer} and {@link #consumers}, then {@link #replace} a matched set of
 * nodes with one node placed where the last of them was, which keeps the topological order.
 */
public final class MutableGraph {

    final List<ValueInfo> inputs = new ArrayList<>();
    final List<String> outputs = new ArrayList<>();
    final List<Node> nodes = new ArrayList<>();
    final Map<String, Tensor> constants = new LinkedHashMap<>();
    final Map<String, PlainWeight> weights = new LinkedHashMap<>();

    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();
    private final Map<Node, Integer> positions = new IdentityHashMap<>();
    private final Set<String> outputSet = new java.util.HashSet<>();

    public void addInput(ValueInfo input) {
        inputs.add(input);
    }

    public void addOutput(String name) {
        outputs.add(name);
    }

    public void addNode(Node node) {
        nodes.add(node);
    }

    public void addConstant(String name, Tensor value) {
        constants.put(name, value);
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public Map<String, Tensor> constants() {
        return java.util.Collections.unmodifiableMap(constants);
    }

    /** Rebuilds the producer and consumer indexes; passes call it before matching. */
    void index() {
        producers.clear();
        consumers.clear();
        positions.clear();
        outputSet.clear();
        outputSet.addAll(outputs);
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            positions.put(node, i);
            for (String output : node.outputs()) {
                producers.put(output, node);
            }
            for (String input : node.inputs()) {
                if (!input.isEmpty()) {
                    consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node);
                }
            }
        }
    }

    Node producer(String value) {
        return producers.get(value);
    }

    /** The producer of {@code value} if it is a node of operator {@code op}. */
    Node producer(String value, String op) {
        Node node = producers.get(value);
        return node != null && node.op().equals(op) ? node : null;
    }

    List<Node> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /** Whether {@code value} feeds exactly one node and is not a graph output, so a fusion may swallow it. */
    boolean singleUse(String value) {
        return consumers(value).size() == 1 && !outputSet.contains(value);
    }

    boolean isOutput(String value) {
        return outputSet.contains(value);
    }

    /** The constant called {@code value}, or {@code null}. */
    Tensor constant(String value) {
        return constants.get(value);
    }

    /**
     * Removes {@code matched} and puts {@code replacement} at the position of the last of them. The
     * indexes stay valid for nodes not involved; call {@link #index} before the next match.
     */
    void replace(List<Node> matched, Node replacement) {
        int last = -1;
        for (Node node : matched) {
            Integer p = positions.get(node);
            if (p == null) {
                throw new IllegalStateException("node not in the graph: " + node.describe());
            }
            last = Math.max(last, p);
        }
        for (Node node : matched) {
            nodes.set(positions.get(node), null);
        }
        nodes.set(last, replacement);
        positions.put(replacement, last);
        for (String output : replacement.outputs()) {
            producers.put(output, replacement);
        }
    }

    /** Drops the holes {@link #replace} left. */
    void compact() {
        nodes.removeIf(java.util.Objects::isNull);
    }

    /** A fresh value or weight name derived from {@code base}. */
    String unique(String base) {
        String name = base;
        for (int i = 1; taken(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /** A fresh weight name derived from {@code base}; weights have their own namespace, apart from values. */
    String uniqueWeight(String base) {
        String name = base;
        for (int i = 1; weights.containsKey(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    private boolean taken(String name) {
        return producers.containsKey(name) || constants.containsKey(name) || weights.containsKey(name)
                || inputs.stream().anyMatch(v -> v.name().equals(name));
    }

    /** Adds a float weight under a fresh name derived from {@code base}; returns the name. */
    String addWeight(String base, DenseMatrixView values) {
        return addWeight(base, PlainWeight.of(values));
    }

    /** Adds an exact quantized weight under a fresh name derived from {@code base}; returns the name. */
    String addWeight(String base, QuantizedMatrix values) {
        return addWeight(base, PlainWeight.of(values));
    }

    private String addWeight(String base, PlainWeight weight) {
        String name = uniqueWeight(base);
        weights.put(name, weight);
        return name;
    }

    /** Rows of the weight called {@code name}. */
    int weightRows(String name) {
        return weights.get(name).rows();
    }

    /**
     * The finished graph, each weight encoded once through {@code encoder} in graph order; if one
     * fails, those encoded before it are closed. Consumes the plain weights: each is let go as soon
     * as it is encoded, so the heap holds one plain copy less at every step.
     */
    Graph build(WeightEncoder encoder) {
        compact();
        Map<String, WeightMatrix> encoded = new LinkedHashMap<>();
        try {
            for (var it = weights.entrySet().iterator(); it.hasNext(); ) {
                var plain = it.next();
                encoded.put(plain.getKey(), plain.getValue().encode(plain.getKey(), encoder));
                it.remove();
            }
        } catch (RuntimeException | Error e) {
            encoded.values().forEach(WeightMatrix::close);
            throw e;
        }
        return new Graph(inputs, outputs, nodes, constants, encoded);
    }
}
