package dev.tersor.graph;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.graph.compile.GraphCompiler;
import dev.tersor.graph.compile.MutableGraph;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.graph.ops.BindContext;
import dev.tersor.kernels.tensor.TensorKernels;
import dev.tersor.model.Model;
import dev.tersor.onnx.OnnxImporter;
import dev.tersor.onnx.OnnxProto;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The compile passes on small graphs built like PyTorch exports: the fused graph must compute what the
 * decomposed one does, and the importer must name what it cannot do.
 */
class CompilerTest {

    static final BindContext FOLDING = new BindContext() {
        @Override
        public dev.tersor.format.WeightMatrix weight(String name) {
            throw new IllegalStateException(name);
        }

        @Override
        public MemorySegment denseWeight(String name) {
            throw new IllegalStateException(name);
        }

        @Override
        public Execution execution() {
            return Execution.defaults();
        }

        @Override
        public TensorKernels kernels() {
            return TensorKernels.preferred();
        }
    };

    static Tensor random(Random random, int... shape) {
        float[] v = new float[Shapes.size(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return Tensor.of(v, shape);
    }

    static Node node(String op, List<String> inputs, String output, Attributes attributes) {
        return new Node(output, op, inputs, List.of(output), attributes);
    }

    /** A transformer block's MLP as exported: decomposed layer norm, MatMul+Add, erf GELU, MatMul+Add. */
    static void mlp(Random random, List<Node> nodes, Map<String, Tensor> constants) {
        constants.put("two", Tensor.scalar(2f));
        constants.put("eps", Tensor.scalar(1e-12f));
        constants.put("gamma", random(random, 16));
        constants.put("beta", random(random, 16));
        constants.put("w1", random(random, 16, 24));
        constants.put("b1", random(random, 24));
        constants.put("w2", random(random, 24, 16));
        constants.put("b2", random(random, 16));
        constants.put("sqrt2", Tensor.scalar(1.4142135f));
        constants.put("one", Tensor.scalar(1f));
        constants.put("half", Tensor.scalar(0.5f));
        Attributes last = Attributes.builder().put("axes", new long[]{-1}).build();
        nodes.add(node("ReduceMean", List.of("x"), "mean", last));
        nodes.add(node("Sub", List.of("x", "mean"), "d", Attributes.NONE));
        nodes.add(node("Pow", List.of("d", "two"), "sq", Attributes.NONE));
        nodes.add(node("ReduceMean", List.of("sq"), "var", last));
        nodes.add(node("Add", List.of("var", "eps"), "ve", Attributes.NONE));
        nodes.add(node("Sqrt", List.of("ve"), "std", Attributes.NONE));
        nodes.add(node("Div", List.of("d", "std"), "norm", Attributes.NONE));
        nodes.add(node("Mul", List.of("norm", "gamma"), "scaled", Attributes.NONE));
        nodes.add(node("Add", List.of("scaled", "beta"), "ln", Attributes.NONE));
        nodes.add(node("MatMul", List.of("ln", "w1"), "h0", Attributes.NONE));
        nodes.add(node("Add", List.of("b1", "h0"), "h1", Attributes.NONE));
        nodes.add(node("Div", List.of("h1", "sqrt2"), "g0", Attributes.NONE));
        nodes.add(node("Erf", List.of("g0"), "g1", Attributes.NONE));
        nodes.add(node("Add", List.of("g1", "one"), "g2", Attributes.NONE));
        nodes.add(node("Mul", List.of("h1", "g2"), "g3", Attributes.NONE));
        nodes.add(node("Mul", List.of("g3", "half"), "g4", Attributes.NONE));
        nodes.add(node("MatMul", List.of("g4", "w2"), "o0", Attributes.NONE));
        nodes.add(node("Add", List.of("o0", "b2"), "y", Attributes.NONE));
    }

    @Test
    void fusedMlpComputesWhatTheExportDoes() {
        Random random = new Random(3);
        List<Node> nodes = new ArrayList<>();
        Map<String, Tensor> constants = new java.util.LinkedHashMap<>();
        mlp(random, nodes, constants);
        ValueInfo input = new ValueInfo("x", ElementType.F32, new int[]{-1, -1, 16});
        Graph decomposed = new Graph(List.of(input), List.of("y"), nodes, constants, Map.of());

        MutableGraph g = new MutableGraph();
        g.addInput(input);
        g.addOutput("y");
        nodes.forEach(g::addNode);
        constants.forEach(g::addConstant);
        Graph compiled = GraphCompiler.compile(g, WeightEncoder.dense(), FOLDING);

        assertThat(compiled.nodes().stream().map(Node::op).toList())
                .containsExactly("LayerNormalization", "Linear", "Gelu", "Linear");
        assertThat(compiled.nodes().get(1).attributes().getLong("output_transposed", 0)).isEqualTo(1);
        assertThat(compiled.nodes().get(3).attributes().getLong("input_transposed", 0)).isEqualTo(1);
        assertThat(compiled.weights()).containsOnlyKeys("w1", "w2");

        try (Model fused = Model.of(compiled, Execution.defaults()); Model plain = Model.of(decomposed, Execution.defaults())) {
            // one token, a few, and more than one block of FeatureMajor.BLOCK tokens (a whole one and a part)
            for (int[] shape : new int[][]{{1, 1, 16}, {1, 7, 16}, {2, 19, 16}, {1, 128, 16}, {3, 100, 16}}) {
                Map<String, Tensor> in = Map.of("x", random(random, shape));
                float[] a = fused.run(in).get("y").toFloatArray();
                float[] b = plain.run(in).get("y").toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    assertThat(a[i]).as("shape %s element %d", java.util.Arrays.toString(shape), i)
                            .isCloseTo(b[i], org.assertj.core.api.Assertions.within(2e-5f * Math.max(1, Math.abs(b[i]))));
                }
            }
        }
    }

    /** The activation between the fused MLP's layers is laid out as FeatureMajor says, which calibration relies on. */
    @Test
    void aFeatureMajorActivationIsLaidOutInFeatureMajorBlocks() {
        Random random = new Random(4);
        List<Node> nodes = new ArrayList<>();
        Map<String, Tensor> constants = new java.util.LinkedHashMap<>();
        mlp(random, nodes, constants);
        ValueInfo input = new ValueInfo("x", ElementType.F32, new int[]{-1, -1, 16});
        Graph decomposed = new Graph(List.of(input), List.of("y", "g4"), nodes, constants, Map.of());
        MutableGraph g = new MutableGraph();
        g.addInput(input);
        g.addOutput("y");
        nodes.forEach(g::addNode);
        constants.forEach(g::addConstant);
        Graph compiled = GraphCompiler.compile(g, WeightEncoder.dense(), FOLDING);
        String hidden = compiled.nodes().get(2).output(0);
        Graph probe = new Graph(compiled.inputs(), List.of("y", hidden), compiled.nodes(), compiled.constants(), compiled.weights());
        int features = compiled.weights().get("w2").cols();
        try (Model fused = Model.of(probe, Execution.defaults()); Model plain = Model.of(decomposed, Execution.defaults())) {
            for (int[] shape : new int[][]{{1, 5, 16}, {2, 150, 16}}) {
                Map<String, Tensor> in = Map.of("x", random(random, shape));
                int tokens = shape[0] * shape[1];
                float[] expected = plain.run(in).get("g4").toFloatArray();
                MemorySegment blocks = fused.run(in).get(hidden).data();
                int[] first = {0};
                dev.tersor.graph.ops.FeatureMajor.forEachBlock(blocks, features, tokens, (block, n) -> {
                    for (int t = 0; t < n; t++) {
                        for (int f = 0; f < features; f++) {
                            float value = block.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) f * n + t);
                            assertThat(value).as("token %d feature %d of %s", first[0] + t, f, java.util.Arrays.toString(shape))
                                    .isCloseTo(expected[(first[0] + t) * features + f],
                                            org.assertj.core.api.Assertions.within(2e-5f * Math.max(1, Math.abs(value))));
                        }
                    }
                    first[0] += n;
                });
                assertThat(first[0]).isEqualTo(tokens);
            }
        }
    }

    @Test
    void castsBetweenTersorTypes() {
        MutableGraph g = new MutableGraph();
        g.addInput(new ValueInfo("f", ElementType.F32, new int[]{6}));
        g.addInput(new ValueInfo("i", ElementType.I64, new int[]{3}));
        g.addNode(node("Cast", List.of("f"), "f2i32", Attributes.builder().put("to", 6L).build()));
        g.addNode(node("Cast", List.of("f"), "f2b", Attributes.builder().put("to", 9L).build()));
        g.addNode(node("Cast", List.of("f2b"), "b2f", Attributes.builder().put("to", 1L).build()));
        g.addNode(node("Cast", List.of("i"), "i2f", Attributes.builder().put("to", 1L).build()));
        g.addNode(node("Cast", List.of("f2i32"), "i32toi64", Attributes.builder().put("to", 7L).build()));
        for (String out : List.of("f2i32", "b2f", "i2f", "i32toi64")) {
            g.addOutput(out);
        }
        try (Model m = Model.of(GraphCompiler.compile(g, WeightEncoder.dense(), FOLDING), Execution.defaults())) {
            Map<String, Tensor> out = m.run(Map.of("f", Tensor.of(new float[]{1.9f, -1.9f, 0f, -0f, 2.5f, 1e9f}, 6),
                    "i", Tensor.ofLongs(new long[]{-3, 1L << 40, 7}, 3)));
            assertThat(out.get("f2i32").toIntArray()).containsExactly(1, -1, 0, 0, 2, 1_000_000_000);
            assertThat(out.get("b2f").toFloatArray()).containsExactly(1, 1, 0, 0, 1, 1);
            assertThat(out.get("i2f").toFloatArray()).containsExactly(-3f, (float) (1L << 40), 7f);
            assertThat(out.get("i32toi64").toLongArray()).containsExactly(1, -1, 0, 0, 2, 1_000_000_000);
        }
    }

    @Test
    void geluMatchesItsDefinition() {
        MutableGraph g = new MutableGraph();
        g.addInput(new ValueInfo("x", ElementType.F32, new int[]{-1}));
        g.addNode(node("Gelu", List.of("x"), "y", Attributes.NONE));
        g.addOutput("y");
        float[] x = new float[401];
        for (int i = 0; i < x.length; i++) {
            x[i] = -10 + i * 0.05f;
        }
        try (Model m = Model.of(GraphCompiler.compile(g, WeightEncoder.dense(), FOLDING), Execution.defaults())) {
            float[] y = m.run(Map.of("x", Tensor.of(x, x.length))).get("y").toFloatArray();
            for (int i = 0; i < x.length; i++) {
                double expected = 0.5 * x[i] * (1 + TensorKernelsTest.erfReference(x[i] / Math.sqrt(2)));
                assertThat((double) y[i]).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-6 * Math.max(1, Math.abs(x[i]))));
            }
        }
    }

    static OnnxProto.Model onnx(OnnxProto.Node node) {
        OnnxProto.ValueInfo x = new OnnxProto.ValueInfo("x", 1, new long[]{2, 3}, List.of("", ""), true);
        OnnxProto.ValueInfo y = new OnnxProto.ValueInfo("y", 1, new long[]{2, 3}, List.of("", ""), true);
        return new OnnxProto.Model(8, Map.of("", 13L), new OnnxProto.Graph("g", List.of(node), List.of(), List.of(x), List.of(y)), "test");
    }

    @Test
    void unsupportedOperatorsAndAttributesFailAtImportNamingTheNode() {
        OnnxProto.Node gemm = new OnnxProto.Node("my_gemm", "Gemm", "", List.of("x", "x"), List.of("y"), List.of());
        assertThatThrownBy(() -> OnnxImporter.convert(onnx(gemm), WeightEncoder.dense()))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("Gemm").hasMessageContaining("my_gemm");
        OnnxProto.Attribute odd = new OnnxProto.Attribute("flavour", OnnxProto.Attribute.INT, 0, 1, com.google.protobuf.ByteString.EMPTY,
                null, false, new float[0], new long[0], List.of(), List.of());
        OnnxProto.Node softmax = new OnnxProto.Node("my_softmax", "Softmax", "", List.of("x"), List.of("y"), List.of(odd));
        assertThatThrownBy(() -> OnnxImporter.convert(onnx(softmax), WeightEncoder.dense()))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("flavour").hasMessageContaining("my_softmax");
        // ONNX's Attention (opset 23) is not Tersor's fused Attention, whose inputs are tokens-first
        OnnxProto.Node attention = new OnnxProto.Node("my_attention", "Attention", "", List.of("x", "x", "x"), List.of("y"),
                List.of());
        assertThatThrownBy(() -> OnnxImporter.convert(onnx(attention), WeightEncoder.dense()))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("Attention").hasMessageContaining("my_attention");
        OnnxProto.Node custom = new OnnxProto.Node("ms", "FusedMatMul", "com.microsoft", List.of("x", "x"), List.of("y"), List.of());
        assertThatThrownBy(() -> OnnxImporter.convert(onnx(custom), WeightEncoder.dense()))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("com.microsoft").hasMessageContaining("ms");
    }
}
