package dev.tersor.graph.compile;

import dev.tersor.graph.Attributes;
import dev.tersor.graph.Node;

import java.util.List;

/**
 * Fuses the exact (erf) GELU as exported from PyTorch,
 * {@code Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)}, with commuted operands and {@code Mul(x, 1/√2)}
 * accepted, into one {@code Gelu} node.
 */
final class GeluFusion {

    private static final double SQRT2 = Math.sqrt(2);

    private GeluFusion() {
    }

    static void run(MutableGraph graph) {
        graph.index();
        for (Node erf : List.copyOf(graph.nodes)) {
            if (erf != null && erf.op().equals("Erf")) {
                tryFuse(graph, erf);
            }
        }
        graph.compact();
    }

    private static void tryFuse(MutableGraph graph, Node erf) {
        Node scale = graph.producer(erf.input(0));
        if (scale == null || !graph.singleUse(scale.output(0))) {
            return;
        }
        String x;
        if (scale.op().equals("Div") && Patterns.isScalar(graph, scale.input(1), SQRT2, 1e-6)) {
            x = scale.input(0);
        } else if (scale.op().equals("Mul") && Patterns.isScalar(graph, scale.input(1), 1 / SQRT2, 1e-7)) {
            x = scale.input(0);
        } else if (scale.op().equals("Mul") && Patterns.isScalar(graph, scale.input(0), 1 / SQRT2, 1e-7)) {
            x = scale.input(1);
        } else {
            return;
        }
        Node plusOne = Patterns.soleConsumer(graph, erf.output(0), "Add");
        if (plusOne == null || !Patterns.isScalar(graph, Patterns.other(plusOne, erf.output(0)), 1.0, 0)) {
            return;
        }
        Node timesX = Patterns.soleConsumer(graph, plusOne.output(0), "Mul");
        if (timesX == null || !x.equals(Patterns.other(timesX, plusOne.output(0)))) {
            return;
        }
        Node half = Patterns.soleConsumer(graph, timesX.output(0), "Mul");
        if (half == null || !Patterns.isScalar(graph, Patterns.other(half, timesX.output(0)), 0.5, 0)) {
            return;
        }
        graph.replace(List.of(scale, erf, plusOne, timesX, half),
                new Node(erf.name().replace("/Erf", "/Gelu"), "Gelu", List.of(x), half.outputs(), Attributes.NONE));
    }
}
