package dev.tersor.graph;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.graph.compile.GraphCompiler;
import dev.tersor.graph.compile.MutableGraph;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.model.Model;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The attention pattern of BERT-style exports, built as PyTorch writes it (reshape to heads,
 * transposes, scaled scores plus mask, softmax, context, transpose and reshape back): fused into one
 * {@code Attention} node, which must compute what the decomposed graph computes for every mask
 * broadcast, and left alone when any part of the pattern differs.
 */
class AttentionFusionTest {

    static final int HEADS = 2;
    static final int DEPTH = 4;
    static final int WIDTH = HEADS * DEPTH;

    /** How the scaled, masked scores are spelled. */
    enum Variant { DIV_MASK_SECOND, MUL_MASK_FIRST, NO_MASK }

    static Attributes perm(long... perm) {
        return Attributes.builder().put("perm", perm).build();
    }

    /** The decomposed attention; {@code softmaxAxis} and {@code scoresAsOutput} break the pattern when changed. */
    static Graph decomposed(Variant variant, long softmaxAxis, boolean scoresAsOutput) {
        Map<String, Tensor> constants = new LinkedHashMap<>();
        constants.put("heads_shape", Tensor.ofLongs(new long[]{0, 0, HEADS, DEPTH}, 4));
        constants.put("merged_shape", Tensor.ofLongs(new long[]{0, 0, WIDTH}, 3));
        constants.put("sqrt_depth", Tensor.scalar(2f));
        constants.put("inv_sqrt_depth", Tensor.scalar(0.5f));
        List<Node> nodes = new ArrayList<>();
        for (String x : List.of("q", "k", "v")) {
            nodes.add(CompilerTest.node("Reshape", List.of(x, "heads_shape"), x + "_heads", Attributes.NONE));
        }
        nodes.add(CompilerTest.node("Transpose", List.of("q_heads"), "qt", perm(0, 2, 1, 3)));
        nodes.add(CompilerTest.node("Transpose", List.of("k_heads"), "kt", perm(0, 2, 3, 1)));
        nodes.add(CompilerTest.node("Transpose", List.of("v_heads"), "vt", perm(0, 2, 1, 3)));
        nodes.add(CompilerTest.node("MatMul", List.of("qt", "kt"), "scores", Attributes.NONE));
        String scaled = "scaled";
        if (variant == Variant.MUL_MASK_FIRST) {
            nodes.add(CompilerTest.node("Mul", List.of("inv_sqrt_depth", "scores"), scaled, Attributes.NONE));
        } else {
            nodes.add(CompilerTest.node("Div", List.of("scores", "sqrt_depth"), scaled, Attributes.NONE));
        }
        String logits = scaled;
        if (variant != Variant.NO_MASK) {
            logits = "masked";
            nodes.add(CompilerTest.node("Add", variant == Variant.MUL_MASK_FIRST ? List.of("mask", scaled)
                    : List.of(scaled, "mask"), logits, Attributes.NONE));
        }
        nodes.add(CompilerTest.node("Softmax", List.of(logits), "probs", Attributes.builder().put("axis", softmaxAxis).build()));
        nodes.add(CompilerTest.node("MatMul", List.of("probs", "vt"), "context", Attributes.NONE));
        nodes.add(CompilerTest.node("Transpose", List.of("context"), "context_t", perm(0, 2, 1, 3)));
        nodes.add(CompilerTest.node("Reshape", List.of("context_t", "merged_shape"), "y", Attributes.NONE));
        List<ValueInfo> inputs = new ArrayList<>();
        for (String x : List.of("q", "k", "v")) {
            inputs.add(new ValueInfo(x, ElementType.F32, new int[]{-1, -1, WIDTH}));
        }
        if (variant != Variant.NO_MASK) {
            inputs.add(new ValueInfo("mask", ElementType.F32, new int[]{-1, -1, -1, -1}));
        }
        List<String> outputs = scoresAsOutput ? List.of("y", "scores") : List.of("y");
        return new Graph(inputs, outputs, nodes, constants, Map.of());
    }

    static Graph compiled(Graph source) {
        MutableGraph g = new MutableGraph();
        source.inputs().forEach(g::addInput);
        source.outputs().forEach(g::addOutput);
        source.nodes().forEach(g::addNode);
        source.constants().forEach(g::addConstant);
        return GraphCompiler.compile(g, WeightEncoder.dense(), CompilerTest.FOLDING);
    }

    /** A mask of {@code shape} with about a quarter of its entries at the float minimum, as exporters mask padding. */
    static Tensor mask(Random random, int... shape) {
        float[] values = new float[Shapes.size(shape)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(4) == 0 ? -Float.MAX_VALUE : (float) random.nextGaussian();
        }
        return Tensor.of(values, shape);
    }

    static void assertSameOutputs(Model fused, Model plain, Map<String, Tensor> inputs, String what) {
        float[] a = fused.run(inputs).get("y").toFloatArray();
        float[] b = plain.run(inputs).get("y").toFloatArray();
        assertThat(a).as(what).hasSameSizeAs(b);
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("%s element %d", what, i).isCloseTo(b[i], within(1e-5f));
        }
    }

    @Test
    void thePatternBecomesOneNodeComputingWhatTheExportDoes() {
        Random random = new Random(21);
        for (Variant variant : Variant.values()) {
            Graph plainGraph = decomposed(variant, variant == Variant.NO_MASK ? -1 : 3, false);
            Graph fusedGraph = compiled(plainGraph);
            assertThat(fusedGraph.nodes().stream().map(Node::op).toList()).as(variant.name())
                    .containsExactly("Reshape", "Reshape", "Reshape", "Attention", "Reshape");
            try (Model fused = Model.of(fusedGraph, Execution.defaults());
                 Model plain = Model.of(plainGraph, Execution.defaults())) {
                for (int[] bt : new int[][]{{1, 1}, {1, 7}, {2, 19}, {3, 33}}) {
                    int b = bt[0];
                    int t = bt[1];
                    Map<String, Tensor> in = new LinkedHashMap<>();
                    for (String x : List.of("q", "k", "v")) {
                        in.put(x, CompilerTest.random(random, b, t, WIDTH));
                    }
                    int[][] maskShapes = variant == Variant.NO_MASK ? new int[][]{null}
                            : new int[][]{{b, 1, 1, t}, {1, 1, t, t}, {b, HEADS, t, t}, {b, 1, t, 1}, {1, 1, 1, 1}};
                    for (int[] maskShape : maskShapes) {
                        if (maskShape != null) {
                            in.put("mask", mask(random, maskShape));
                        }
                        assertSameOutputs(fused, plain, in, variant + " batch " + b + " tokens " + t + " mask "
                                + Arrays.toString(maskShape));
                    }
                }
            }
        }
    }

    @Test
    void aDifferentSoftmaxAxisOrAScoreUsedElsewhereIsLeftUnfused() {
        Random random = new Random(22);
        for (Graph plainGraph : List.of(decomposed(Variant.DIV_MASK_SECOND, 2, false),
                decomposed(Variant.DIV_MASK_SECOND, 3, true))) {
            Graph compiledGraph = compiled(plainGraph);
            assertThat(compiledGraph.nodes().stream().map(Node::op).toList())
                    .doesNotContain("Attention").contains("Softmax", "MatMul", "Transpose");
            try (Model compiledModel = Model.of(compiledGraph, Execution.defaults());
                 Model plain = Model.of(plainGraph, Execution.defaults())) {
                Map<String, Tensor> in = new LinkedHashMap<>();
                for (String x : List.of("q", "k", "v")) {
                    in.put(x, CompilerTest.random(random, 2, 5, WIDTH));
                }
                in.put("mask", mask(random, 2, 1, 1, 5));
                assertSameOutputs(compiledModel, plain, in, "unfused");
            }
        }
    }
}
