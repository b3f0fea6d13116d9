package dev.tersor.graph.compile;

import dev.tersor.graph.Node;
import dev.tersor.graph.ops.FeatureMajor;

import java.util.List;
import java.util.Set;

/**
 * Keeps the activations between two Linear layers feature-major ({@link FeatureMajor}'s blocks) when
 * only an element-wise function sits between them ({@code Linear → Gelu → Linear}, the transformer
 * MLP): the first layer then skips transposing its output and the second its input. Element-wise functions do not care about
 * the order of elements, and nothing else sees the value.
 */
final class FeatureMajorPass {

    private static final Set<String> ELEMENTWISE = Set.of("Gelu", "Relu", "Sigmoid", "Tanh", "Erf", "Exp", "Neg", "Abs");

    private FeatureMajorPass() {
    }

    static void run(MutableGraph graph) {
        graph.index();
        for (Node stale : List.copyOf(graph.nodes)) {
            Node first = graph.producer(stale.output(0));
            if (!first.op().equals("Linear") || !graph.singleUse(first.output(0))) {
                continue;
            }
            Node between = graph.consumers(first.output(0)).getFirst();
            if (!ELEMENTWISE.contains(between.op()) || !graph.singleUse(between.output(0))) {
                continue;
            }
            Node second = graph.consumers(between.output(0)).getFirst();
            if (!second.op().equals("Linear") || !second.input(0).equals(between.output(0))) {
                continue;
            }
            graph.replace(List.of(first), new Node(first.name(), first.op(), first.inputs(), first.outputs(),
                    first.attributes().toBuilder().put("output_transposed", 1L).build()));
            Node current = graph.producer(second.output(0));
            graph.replace(List.of(current), new Node(current.name(), current.op(), current.inputs(), current.outputs(),
                    current.attributes().toBuilder().put("input_transposed", 1L).build()));
        }
        graph.compact();
    }
}
