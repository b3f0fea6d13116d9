package dev.tersor.graph.compile;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuses the self-attention of exported BERT-style encoders into one {@code Attention} node:
 * {@code Transpose(MatMul(Softmax(Add(Div(MatMul(Transpose(q), Transpose(k)), c), mask)), Transpose(v)))}
 * with q and v transposed by {@code [0, 2, 1, 3]}, k by {@code [0, 2, 3, 1]}, the output back by
 * {@code [0, 2, 1, 3]}, softmax over the last axis, {@code Mul} by a scale instead of {@code Div}
 * and either operand order of the mask {@code Add} accepted, and the mask optional. The reshapes that
 * split q, k and v into heads stay (they are views), so {@code Attention} reads {@code [B, T, H, D]}
 * and writes {@code [B, T, H, D]}, the layout the following reshape and output projection read.
 * Every matched intermediate must have no other use. Shapes are not known here; the transposes'
 * permutations fix every rank at four, and {@code Attention} computes the pattern's broadcasting.
 */
final class AttentionFusion {

    private static final long[] HEADS_FIRST = {0, 2, 1, 3};
    private static final long[] KEYS_TRANSPOSED = {0, 2, 3, 1};

    private AttentionFusion() {
    }

    static void run(MutableGraph graph) {
        graph.index();
        for (Node softmax : List.copyOf(graph.nodes)) {
            if (softmax != null && softmax.op().equals("Softmax")) {
                tryFuse(graph, softmax);
            }
        }
        graph.compact();
    }

    private static void tryFuse(MutableGraph graph, Node softmax) {
        long axis = softmax.attributes().getLong("axis", -1);
        if ((axis != -1 && axis != 3) || !graph.singleUse(softmax.output(0))) {
            return;
        }
        List<Node> matched = new ArrayList<>(List.of(softmax));
        String mask = null;
        Node scaled = graph.producer(softmax.input(0));
        Node addMask = scaled != null && scaled.op().equals("Add") ? scaled : null;
        if (addMask != null) {
            if (!graph.singleUse(addMask.output(0))) {
                return;
            }
            matched.add(addMask);
            scaled = scaleOf(graph, addMask.input(0)) != null ? graph.producer(addMask.input(0)) : graph.producer(addMask.input(1));
            if (scaled == null) {
                return;
            }
            mask = Patterns.other(addMask, scaled.output(0));
        }
        if (scaled == null || !graph.singleUse(scaled.output(0))) {
            return;
        }
        Float scale = scaleOf(graph, scaled.output(0));
        String scoresName = scoresOf(graph, scaled);
        Node scores = scoresName == null ? null : graph.producer(scoresName, "MatMul");
        if (scale == null || scores == null || !graph.singleUse(scores.output(0))) {
            return;
        }
        matched.add(scaled);
        matched.add(scores);
        Node queries = transposeOf(graph, scores.input(0), HEADS_FIRST);
        Node keys = transposeOf(graph, scores.input(1), KEYS_TRANSPOSED);
        Node context = Patterns.soleConsumer(graph, softmax.output(0), "MatMul");
        if (queries == null || keys == null || context == null || !context.input(0).equals(softmax.output(0))) {
            return;
        }
        Node values = transposeOf(graph, context.input(1), HEADS_FIRST);
        Node back = Patterns.soleConsumer(graph, context.output(0), "Transpose");
        if (values == null || back == null || !Arrays.equals(back.attributes().getLongs("perm", null), HEADS_FIRST)) {
            return;
        }
        matched.addAll(List.of(queries, keys, context, values, back));
        List<String> inputs = new ArrayList<>(List.of(queries.input(0), keys.input(0), values.input(0)));
        if (mask != null) {
            inputs.add(mask);
        }
        graph.replace(matched, new Node(softmax.name().replace("/Softmax", "/Attention"), "Attention", inputs,
                back.outputs(), Attributes.builder().put("scale", scale).build()));
    }

    /** The factor a {@code Div} or {@code Mul} by a float scalar constant producing {@code value} applies, or {@code null}. */
    private static Float scaleOf(MutableGraph graph, String value) {
        Node node = graph.producer(value);
        if (node == null || node.inputs().size() != 2) {
            return null;
        }
        if (node.op().equals("Div")) {
            Float divisor = scalar(graph, node.input(1));
            return divisor == null || divisor == 0 ? null : 1 / divisor;
        }
        if (node.op().equals("Mul")) {
            Float factor = scalar(graph, node.input(1));
            return factor != null ? factor : scalar(graph, node.input(0));
        }
        return null;
    }

    /** The operand of the scaling node that is not the constant. */
    private static String scoresOf(MutableGraph graph, Node scaled) {
        return scaled.op().equals("Mul") && scalar(graph, scaled.input(1)) == null ? scaled.input(1) : scaled.input(0);
    }

    /** A finite float constant of one element and rank at most four (so it leaves the scores' shape alone), or {@code null}. */
    private static Float scalar(MutableGraph graph, String name) {
        Tensor t = graph.constant(name);
        if (t == null || t.type() != ElementType.F32 || t.size() != 1 || t.rank() > 4) {
            return null;
        }
        float value = (float) t.getDouble(0);
        return Float.isFinite(value) ? value : null;
    }

    /** The single-use {@code Transpose} with permutation {@code perm} producing {@code value}, or {@code null}. */
    private static Node transposeOf(MutableGraph graph, String value, long[] perm) {
        Node node = graph.producer(value, "Transpose");
        return node != null && graph.singleUse(value) && Arrays.equals(node.attributes().getLongs("perm", null), perm)
                ? node : null;
    }
}
