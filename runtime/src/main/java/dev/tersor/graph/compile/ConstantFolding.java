package dev.tersor.graph.compile;

import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ops.BindContext;
import dev.tersor.graph.ops.Binding;
import dev.tersor.graph.ops.Evaluator;
import dev.tersor.graph.ops.Operator;
import dev.tersor.graph.ops.Operators;
import dev.tersor.graph.ops.ValueType;

import java.util.ArrayList;
import java.util.List;

/**
 * Replaces every node whose inputs are all constants by its computed outputs. Shape-dependent
 * chains (Shape → Gather → Unsqueeze → Concat) fold later, when the plan binds input shapes.
 */
final class ConstantFolding {

    private ConstantFolding() {
    }

    static void run(MutableGraph graph, BindContext context) {
        List<Node> kept = new ArrayList<>();
        for (Node node : graph.nodes) {
            Operator op = Operators.find(node.op());
            if (op == null || !op.foldable() || node.inputs().isEmpty() || node.attributes().has("weight")) {
                kept.add(node);
                continue;
            }
            List<ValueType> inputs = new ArrayList<>();
            boolean constant = true;
            for (String name : node.inputs()) {
                if (name.isEmpty()) {
                    inputs.add(null);
                    continue;
                }
                Tensor value = graph.constant(name);
                if (value == null) {
                    constant = false;
                    break;
                }
                inputs.add(ValueType.of(value));
            }
            if (!constant) {
                kept.add(node);
                continue;
            }
            Binding binding = op.bind(node, inputs, context);
            List<Tensor> results = Evaluator.evaluate(binding, inputs);
            for (int i = 0; i < results.size(); i++) {
                graph.constants.put(node.output(i), results.get(i));
            }
        }
        graph.nodes.clear();
        graph.nodes.addAll(kept);
    }
}
