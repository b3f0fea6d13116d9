package dev.tersor.graph.compile;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;

import java.util.List;

/**
 * Fuses the decomposed layer norm of exported transformers,
 * {@code Add(Mul(Div(Sub(x, ReduceMean(x)), Sqrt(Add(ReduceMean(Pow(Sub(..), 2)), eps))), gamma), beta)}
 * over the last axis, into one {@code LayerNormalization} node.
 */
final class NormalizationFusion {

    private NormalizationFusion() {
    }

    static void run(MutableGraph graph) {
        graph.index();
        for (Node div : List.copyOf(graph.nodes)) {
            if (div != null && div.op().equals("Div")) {
                tryFuse(graph, div);
            }
        }
        graph.compact();
    }

    private static boolean lastAxis(Node reduceMean) {
        long[] axes = reduceMean.attributes().getLongs("axes", null);
        return axes != null && axes.length == 1 && axes[0] == -1 && reduceMean.attributes().getLong("keepdims", 1) == 1;
    }

    private static void tryFuse(MutableGraph graph, Node div) {
        Node sub = graph.producer(div.input(0), "Sub");
        Node sqrt = graph.producer(div.input(1), "Sqrt");
        if (sub == null || sqrt == null) {
            return;
        }
        String x = sub.input(0);
        Node mean = graph.producer(sub.input(1), "ReduceMean");
        if (mean == null || !mean.input(0).equals(x) || !lastAxis(mean) || !graph.singleUse(mean.output(0))) {
            return;
        }
        String d = sub.output(0);
        List<Node> dUsers = graph.consumers(d);
        if (dUsers.size() != 2 || graph.isOutput(d)) {
            return;
        }
        Node pow = dUsers.get(0) == div ? dUsers.get(1) : dUsers.get(0);
        if (!pow.op().equals("Pow") || !pow.input(0).equals(d) || !Patterns.isScalar(graph, pow.input(1), 2.0, 0)
                || !graph.singleUse(pow.output(0))) {
            return;
        }
        Node var = Patterns.soleConsumer(graph, pow.output(0), "ReduceMean");
        if (var == null || !lastAxis(var)) {
            return;
        }
        Node addEps = Patterns.soleConsumer(graph, var.output(0), "Add");
        if (addEps == null) {
            return;
        }
        Tensor eps = graph.constant(Patterns.other(addEps, var.output(0)) == null ? "" : Patterns.other(addEps, var.output(0)));
        if (eps == null || eps.type() != ElementType.F32 || eps.size() != 1 || !graph.singleUse(addEps.output(0))
                || !sqrt.input(0).equals(addEps.output(0)) || !graph.singleUse(sqrt.output(0))) {
            return;
        }
        Node mul = Patterns.soleConsumer(graph, div.output(0), "Mul");
        if (mul == null) {
            return;
        }
        String gamma = Patterns.other(mul, div.output(0));
        Node add = Patterns.soleConsumer(graph, mul.output(0), "Add");
        String beta = add == null ? null : Patterns.other(add, mul.output(0));
        if (!isVector(graph, gamma) || !isVector(graph, beta)) {
            return;
        }
        Node fused = new Node(div.name().replace("/Div", ""), "LayerNormalization", List.of(x, gamma, beta), add.outputs(),
                Attributes.builder().put("axis", -1L).put("epsilon", (float) eps.getDouble(0)).build());
        graph.replace(List.of(mean, sub, pow, var, addEps, sqrt, div, mul, add), fused);
    }

    private static boolean isVector(MutableGraph graph, String name) {
        Tensor t = name == null ? null : graph.constant(name);
        return t != null && t.type() == ElementType.F32 && t.rank() == 1;
    }
}
