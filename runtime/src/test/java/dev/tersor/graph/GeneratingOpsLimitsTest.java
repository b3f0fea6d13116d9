package dev.tersor.graph;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.graph.compile.GraphCompiler;
import dev.tersor.graph.compile.MutableGraph;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.graph.ops.Operators;
import dev.tersor.model.Model;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Operators whose output size comes from data (Range, Expand, Tile, Pad, ConstantOfShape, Resize, and
 * ConvTranspose through its strides, output_padding and output_shape) refuse outputs beyond the
 * activation limit with a typed error naming the node, whether the node folds at import or binds at
 * run time; attribute values Tersor does not implement fail at import.
 */
class GeneratingOpsLimitsTest {

    private static final long HUGE = 1L << 40;

    private static Graph compile(MutableGraph g) {
        return GraphCompiler.compile(g, WeightEncoder.dense(), CompilerTest.FOLDING);
    }

    /** A graph computing {@code op} on constant inputs, which folds at import. */
    private static MutableGraph folded(String op, Map<String, Tensor> constants, Attributes attributes) {
        MutableGraph g = new MutableGraph();
        constants.forEach(g::addConstant);
        g.addOutput("y");
        g.addNode(CompilerTest.node(op, List.copyOf(constants.keySet()), "y", attributes));
        return g;
    }

    @Test
    void rangeWithAHugeCountIsRefused() {
        var constants = new java.util.LinkedHashMap<String, Tensor>();
        constants.put("start", Tensor.ofLongs(new long[]{0}));
        constants.put("limit", Tensor.ofLongs(new long[]{HUGE}));
        constants.put("delta", Tensor.ofLongs(new long[]{1}));
        assertThatThrownBy(() -> compile(folded("Range", constants, Attributes.NONE)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("Range node 'y'")
                .hasMessageContaining("activation limit");
        constants.put("delta", Tensor.ofLongs(new long[]{0}));
        assertThatThrownBy(() -> compile(folded("Range", constants, Attributes.NONE)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("delta must be non-zero");
    }

    @Test
    void constantOfShapeBeyondTheLimitIsRefused() {
        var constants = new java.util.LinkedHashMap<String, Tensor>();
        constants.put("shape", Tensor.ofLongs(new long[]{1 << 20, 1 << 20}, 2));
        assertThatThrownBy(() -> compile(folded("ConstantOfShape", constants, Attributes.NONE)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("activation limit");
    }

    @Test
    void expandTileAndPadToEnormousShapesAreRefusedAtRunTime() {
        record Case(String op, Tensor parameter, Attributes attributes) {
        }
        for (Case c : List.of(
                new Case("Expand", Tensor.ofLongs(new long[]{1 << 20, 1 << 20, 4}, 3), Attributes.NONE),
                new Case("Tile", Tensor.ofLongs(new long[]{1 << 20, 1 << 20}, 2), Attributes.NONE),
                new Case("Pad", Tensor.ofLongs(new long[]{0, HUGE, 0, 0}, 4), Attributes.NONE),
                new Case("Resize", Tensor.of(new float[]{1, 1e9f}, 2), Attributes.NONE))) {
            MutableGraph g = new MutableGraph();
            g.addInput(new ValueInfo("x", ElementType.F32, new int[]{-1, 4}));
            g.addConstant("p", c.parameter());
            g.addOutput("y");
            List<String> inputs = c.op().equals("Resize") ? List.of("x", "", "p") : List.of("x", "p");
            g.addNode(CompilerTest.node(c.op(), inputs, "y", c.attributes()));
            try (Model model = Model.of(compile(g), Execution.defaults())) {
                Tensor x = Tensor.of(new float[8], 2, 4);
                assertThatThrownBy(() -> model.run(Map.of("x", x))).as(c.op())
                        .isInstanceOf(ModelException.class).hasMessageContaining(c.op() + " node 'y'");
            }
        }
    }

    @Test
    void unsupportedAttributeValuesFailAtImportNamingTheNode() {
        for (Attributes attributes : List.of(Attributes.builder().put("mode", "lanczos").build(),
                Attributes.builder().put("coordinate_transformation_mode", "tf_crop_and_resize").build(),
                Attributes.builder().put("antialias", 1L).build())) {
            Node resize = CompilerTest.node("Resize", List.of("x", "", "scales"), "y", attributes);
            assertThatThrownBy(() -> Operators.of(resize).check(resize))
                    .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("Resize node 'y'");
        }
        Node pad = CompilerTest.node("Pad", List.of("x", "pads"), "y", Attributes.builder().put("mode", "mirror").build());
        assertThatThrownBy(() -> Operators.of(pad).check(pad))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("mode 'mirror'");
    }

    @Test
    void convTransposeBeyondTheLimitIsRefusedAtRunTime() {
        for (Attributes attributes : List.of(Attributes.builder().put("output_shape", new long[]{1 << 20, 1 << 20}).build(),
                Attributes.builder().put("strides", new long[]{1 << 20, 1 << 20}).build(),
                Attributes.builder().put("output_padding", new long[]{HUGE, 0}).build())) {
            MutableGraph g = new MutableGraph();
            g.addInput(new ValueInfo("x", ElementType.F32, new int[]{1, 1, -1, 2}));
            g.addConstant("w", Tensor.of(new float[4], 1, 1, 2, 2));
            g.addOutput("y");
            g.addNode(CompilerTest.node("ConvTranspose", List.of("x", "w"), "y", attributes));
            try (Model model = Model.of(compile(g), Execution.defaults())) {
                Tensor x = Tensor.of(new float[4], 1, 1, 2, 2);
                assertThatThrownBy(() -> model.run(Map.of("x", x))).as(attributes.toString())
                        .isInstanceOf(InvalidModelException.class).hasMessageContaining("ConvTranspose node 'y'");
            }
        }
    }

    @Test
    void convTransposeAttributesBeyond3dFailAtImportNamingTheNode() {
        for (Attributes attributes : List.of(Attributes.builder().put("kernel_shape", new long[]{2, 2, 2, 2}).build(),
                Attributes.builder().put("strides", new long[]{2, 2, 2, 2}).build(),
                Attributes.builder().put("pads", new long[]{0, 0, 0, 0, 0, 0, 0, 0}).build(),
                Attributes.builder().put("pads", new long[]{0, 0, 0}).build(),
                Attributes.builder().put("auto_pad", "SAME").build())) {
            Node node = CompilerTest.node("ConvTranspose", List.of("x", "w"), "y", attributes);
            assertThatThrownBy(() -> Operators.of(node).check(node))
                    .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("ConvTranspose node 'y'");
        }
    }

    @Test
    void convTransposeAttributesThatDoNotFitTheInputFailNamingTheNode() {
        for (Attributes attributes : List.of(Attributes.builder().put("strides", new long[]{2}).build(),
                Attributes.builder().put("dilations", new long[]{1, 1, 1}).build(),
                Attributes.builder().put("pads", new long[]{0, 0}).build(),
                Attributes.builder().put("output_shape", new long[]{3}).build())) {
            MutableGraph g = new MutableGraph();
            g.addInput(new ValueInfo("x", ElementType.F32, new int[]{1, 1, 2, 2}));
            g.addConstant("w", Tensor.of(new float[4], 1, 1, 2, 2));
            g.addOutput("y");
            g.addNode(CompilerTest.node("ConvTranspose", List.of("x", "w"), "y", attributes));
            assertThatThrownBy(() -> {
                try (Model model = Model.of(compile(g), Execution.defaults())) {
                    model.run(Map.of("x", Tensor.of(new float[4], 1, 1, 2, 2)));
                }
            }).as(attributes.toString()).isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining("ConvTranspose node 'y'");
        }
    }

    @Test
    void padReflectsEdgesAndWrapsLikeNumpy() {
        MutableGraph g = new MutableGraph();
        g.addInput(new ValueInfo("x", ElementType.F32, new int[]{4}));
        g.addConstant("pads", Tensor.ofLongs(new long[]{3, 5}, 2));
        g.addOutput("reflect");
        g.addOutput("wrap");
        g.addNode(CompilerTest.node("Pad", List.of("x", "pads"), "reflect", Attributes.builder().put("mode", "reflect").build()));
        g.addNode(CompilerTest.node("Pad", List.of("x", "pads"), "wrap", Attributes.builder().put("mode", "wrap").build()));
        try (Model model = Model.of(compile(g), Execution.defaults())) {
            Map<String, Tensor> out = model.run(Map.of("x", Tensor.of(new float[]{1, 2, 3, 4}, 4)));
            // numpy.pad([1, 2, 3, 4], (3, 5), mode=...)
            assertThat(out.get("reflect").toFloatArray()).containsExactly(4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3);
            assertThat(out.get("wrap").toFloatArray()).containsExactly(2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1);
        }
    }
}
