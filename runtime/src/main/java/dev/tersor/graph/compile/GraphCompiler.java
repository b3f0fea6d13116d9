package dev.tersor.graph.compile;

import dev.tersor.graph.Graph;
import dev.tersor.graph.ops.BindContext;
import dev.tersor.graph.ops.GraphValidator;

/**
 * The shape-independent compile step run on an imported graph: fold constant sub-graphs, move
 * convolution and product weights into Tersor matrices (folding batch norms, biases and int8
 * dequantization into them), fuse layer norms, GELUs and attention, keep MLP activations feature-major, and drop
 * what no output needs. Shape-dependent folding and buffer planning happen when a
 * {@link dev.tersor.graph.plan.Plan} binds input shapes.
 */
public final class GraphCompiler {

    private GraphCompiler() {
    }

    /**
     * Compiles {@code graph} in place and returns the validated result. The passes leave weights as
     * plain matrices; {@code encoder} then places each one once, after the last pass.
     */
    public static Graph compile(MutableGraph graph, WeightEncoder encoder, BindContext folding) {
        ConstantFolding.run(graph, folding);
        ConvFusion.run(graph);
        LinearFusion.run(graph);
        EmbeddingFusion.run(graph);
        DeadCodeElimination.run(graph);
        NormalizationFusion.run(graph);
        GeluFusion.run(graph);
        AttentionFusion.run(graph);
        DeadCodeElimination.run(graph);
        FeatureMajorPass.run(graph);
        Graph result = graph.build(encoder);
        try {
            GraphValidator.validate(result);
        } catch (RuntimeException | Error e) {
            result.weights().values().forEach(dev.tersor.format.WeightMatrix::close);
            throw e;
        }
        return result;
    }
}
