package dev.tersor.graph.compile;

import dev.tersor.graph.Graph;
import dev.tersor.graph.ops.BindContext;
import dev.tersor.graph.ops.GraphValidator;

/**
 * The shape-independent compile step run on an imported graph: fold constant sub-graphs, move
 * convolution and product weights into Tersor matrices (folding batch norms, biases and int8
 * dequantization into them), fuse layer norms and GELUs, keep MLP activations feature-major, and drop
 * what no output needs. Shape-dependent folding and buffer planning happen when a
 * {@link dev.tersor.graph.plan.Plan} binds input shapes.
 */
public final class GraphCompiler {

    private GraphCompiler() {
    }

    /** Compiles {@code graph} in place and returns the validated result; on failure its weights are closed. */
    public static Graph compile(MutableGraph graph, WeightEncoder encoder, BindContext folding) {
        try {
            ConstantFolding.run(graph, folding);
            ConvFusion.run(graph, encoder);
            LinearFusion.run(graph, encoder);
            EmbeddingFusion.run(graph, encoder);
            DeadCodeElimination.run(graph);
            NormalizationFusion.run(graph);
            GeluFusion.run(graph);
            DeadCodeElimination.run(graph);
            FeatureMajorPass.run(graph);
            Graph result = graph.build();
            GraphValidator.validate(result);
            return result;
        } catch (RuntimeException | Error e) {
            graph.closeWeights();
            throw e;
        }
    }
}
