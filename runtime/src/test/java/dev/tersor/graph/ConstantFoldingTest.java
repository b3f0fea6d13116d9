package dev.tersor.graph;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.model.Model;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nodes whose inputs are all constants run once, when a plan is bound, with the model's execution:
 * their kernels may hand work to the pass's threads, so what they write must be reachable from them.
 */
class ConstantFoldingTest {

    @Test
    void aFoldedNodeLargeEnoughToShareOutRunsOnTwoThreads() {
        int n = 1 << 16;
        Random random = new Random(6);
        float[] a = new float[n];
        float[] b = new float[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat();
            b[i] = random.nextFloat();
            x[i] = random.nextFloat();
        }
        Graph graph = new Graph(List.of(new ValueInfo("x", ElementType.F32, new int[]{1, n})), List.of("y"),
                List.of(new Node("fold", "Add", List.of("a", "b"), List.of("c"), Attributes.NONE),
                        new Node("run", "Add", List.of("c", "x"), List.of("y"), Attributes.NONE)),
                Map.of("a", Tensor.of(a, 1, n), "b", Tensor.of(b, 1, n)), Map.of());
        try (Model model = Model.of(graph, Execution.defaults().withThreads(2))) {
            float[] y = model.run(Map.of("x", Tensor.of(x, 1, n))).get("y").toFloatArray();
            for (int i = 0; i < n; i++) {
                assertThat(y[i]).as("element %d", i).isEqualTo((a[i] + b[i]) + x[i]);
            }
        }
    }
}
