package dev.tersor.graph.compile;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.ElementType;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.UnsupportedModelException;
import dev.tersor.graph.ops.Operators;

import java.util.ArrayList;
import java.util.List;

/**
 * Moves each ONNX {@code Conv}'s constant weight {@code W[outC, inC/group, kh, kw]} into a Tersor
 * weight matrix {@code [outC, inC/group·kh·kw]} (the same bytes, read as rows), folding a directly
 * following inference-mode {@code BatchNormalization} into the weights and bias when the convolution
 * feeds nothing else.
 */
public final class ConvFusion {

    /** What importers call an ONNX-style Conv (weight as input 1) until this pass converts it. */
    public static final String ONNX_CONV = "onnx.Conv";

    private ConvFusion() {
    }

    static void run(MutableGraph graph) {
        graph.index();
        for (Node conv : List.copyOf(graph.nodes)) {
            if (conv.op().equals(ONNX_CONV)) {
                convert(graph, conv);
            }
        }
        graph.compact();
    }

    private static void convert(MutableGraph graph, Node conv) {
        Tensor w = graph.constant(conv.input(1));
        if (w == null || w.type() != ElementType.F32 || w.rank() != 4) {
            throw new UnsupportedModelException(conv.describe() + ": only constant float 2-D kernels are supported, weight is "
                    + (w == null ? "computed at run time" : w.toString()));
        }
        int outC = w.dim(0);
        int cols = w.dim(1) * w.dim(2) * w.dim(3);
        float[] weights = w.toFloatArray();
        float[] bias = null;
        if (!conv.input(2).isEmpty()) {
            Tensor b = graph.constant(conv.input(2));
            if (b == null || b.type() != ElementType.F32 || b.size() != outC) {
                throw new UnsupportedModelException(conv.describe() + ": the bias must be a constant of " + outC + " floats");
            }
            bias = b.toFloatArray();
        }
        List<Node> matched = new ArrayList<>(List.of(conv));
        String output = conv.output(0);
        Node bn = graph.singleUse(output) ? graph.consumers(output).getFirst() : null;
        if (bn != null && bn.op().equals("BatchNormalization") && bn.input(0).equals(output) && foldable(graph, bn)) {
            Operators.of(bn).check(bn);
            float[][] ab = Operators.batchNormCoefficients(bn, graph.constant(bn.input(1)), graph.constant(bn.input(2)),
                    graph.constant(bn.input(3)), graph.constant(bn.input(4)), outC);
            float[] newBias = new float[outC];
            for (int o = 0; o < outC; o++) {
                for (int i = 0; i < cols; i++) {
                    weights[o * cols + i] *= ab[0][o];
                }
                newBias[o] = (bias == null ? 0f : bias[o]) * ab[0][o] + ab[1][o];
            }
            bias = newBias;
            matched.add(bn);
            output = bn.output(0);
        }
        String weightName = graph.addWeight(conv.input(1), DenseMatrixView.of(outC, cols, weights));
        List<String> inputs = new ArrayList<>(List.of(conv.input(0)));
        if (bias != null) {
            String biasName = graph.unique(weightName + ".bias");
            graph.constants.put(biasName, Tensor.of(bias, outC));
            inputs.add(biasName);
        }
        Attributes.Builder attributes = conv.attributes().toBuilder().put("weight", weightName);
        if (!conv.attributes().has("kernel_shape")) {
            attributes.put("kernel_shape", new long[]{w.dim(2), w.dim(3)});
        }
        graph.replace(matched, new Node(conv.name(), "Conv", inputs, List.of(output), attributes.build()));
    }

    private static boolean foldable(MutableGraph graph, Node bn) {
        if (bn.outputs().size() != 1 || bn.attributes().getLong("training_mode", 0) != 0) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (graph.constant(bn.input(i)) == null) {
                return false;
            }
        }
        return true;
    }
}
