package dev.tersor.graph.compile;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.ElementType;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns products with constant weights into {@code Linear} layers over Tersor weight matrices:
 * <ul>
 *   <li>{@code MatMul(x, W)} with a constant 2-D {@code W[in, out]} becomes a Linear over
 *       {@code Wᵀ[out, in]};</li>
 *   <li>the dynamic-int8 pattern {@code Mul(Cast(MatMulInteger(DynamicQuantizeLinear(x), Wq, zp, Wzp)),
 *       Mul(scale, Wscale))} becomes a Linear on float {@code x} over the codebook matrix
 *       {@code (Wq − Wzp)·Wscale} (codes are the integer levels, row scales the per-channel scales), so
 *       the weights are exactly the int8 model's while activations stay float;</li>
 *   <li>a following {@code Add} of a constant bias vector moves into the Linear.</li>
 * </ul>
 */
final class LinearFusion {

    private LinearFusion() {
    }

    static void run(MutableGraph graph) {
        Map<String, String> shared = new HashMap<>();
        graph.index();
        for (Node node : List.copyOf(graph.nodes)) {
            if (node.op().equals("MatMulInteger")) {
                fuseInteger(graph, node, shared);
            }
        }
        graph.compact();
        graph.index();
        for (Node node : List.copyOf(graph.nodes)) {
            if (node.op().equals("MatMul")) {
                Tensor w = graph.constant(node.input(1));
                if (w != null && w.type() == ElementType.F32 && w.rank() == 2 && graph.constant(node.input(0)) == null) {
                    String weight = shared.computeIfAbsent("float:" + node.input(1),
                            k -> graph.addWeight(node.input(1), transpose(w)));
                    graph.replace(List.of(node), linear(node.name(), node.input(0), "", node.output(0), weight));
                }
            }
        }
        graph.compact();
        graph.index();
        for (Node node : List.copyOf(graph.nodes)) {
            if (node.op().equals("Linear") && node.input(1).isEmpty()) {
                fuseBias(graph, node);
            }
        }
        graph.compact();
    }

    private static Node linear(String name, String x, String bias, String output, String weight) {
        return new Node(name, "Linear", bias.isEmpty() ? List.of(x) : List.of(x, bias), List.of(output),
                Attributes.builder().put("weight", weight).build());
    }

    /** {@code W[in, out]} as the row-major {@code Wᵀ[out, in]} Tersor stores. */
    static DenseMatrixView transpose(Tensor w) {
        int in = w.dim(0);
        int out = w.dim(1);
        float[] values = w.toFloatArray();
        float[] t = new float[values.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                t[o * in + i] = values[i * out + o];
            }
        }
        return DenseMatrixView.of(out, in, t);
    }

    private static void fuseBias(MutableGraph graph, Node linear) {
        String y = linear.output(0);
        if (!graph.singleUse(y)) {
            return;
        }
        Node add = graph.consumers(y).getFirst();
        if (!add.op().equals("Add")) {
            return;
        }
        String biasName = Patterns.other(add, y);
        Tensor bias = biasName == null ? null : graph.constant(biasName);
        int out = graph.weightRows(linear.attributes().getString("weight", ""));
        if (bias == null || bias.type() != ElementType.F32 || bias.size() != out || bias.rank() == 0
                || bias.dim(bias.rank() - 1) != out) {
            return;
        }
        if (bias.rank() != 1) {
            biasName = graph.unique(biasName + "_vector");
            graph.constants.put(biasName, Tensor.wrap(ElementType.F32, new int[]{out}, bias.data()));
        }
        graph.replace(List.of(linear, add), new Node(linear.name(), "Linear", List.of(linear.input(0), biasName),
                add.outputs(), linear.attributes()));
    }

    private static void fuseInteger(MutableGraph graph, Node mmi, Map<String, String> shared) {
        Node dql = graph.producer(mmi.input(0), "DynamicQuantizeLinear");
        Tensor wq = graph.constant(mmi.input(1));
        if (dql == null || wq == null || wq.rank() != 2 || !mmi.input(2).equals(dql.output(2))
                || (wq.type() != ElementType.I8 && wq.type() != ElementType.U8)) {
            return;
        }
        Tensor wzp = mmi.input(3).isEmpty() ? null : graph.constant(mmi.input(3));
        if (!mmi.input(3).isEmpty() && wzp == null) {
            return;
        }
        Node cast = Patterns.soleConsumer(graph, mmi.output(0), "Cast");
        if (cast == null || cast.attributes().getLong("to", 0) != ElementType.F32.onnxId()) {
            return;
        }
        Node mul = Patterns.soleConsumer(graph, cast.output(0), "Mul");
        if (mul == null) {
            return;
        }
        Node scales = graph.producer(Patterns.other(mul, cast.output(0)), "Mul");
        if (scales == null) {
            return;
        }
        Tensor wScale = graph.constant(Patterns.other(scales, dql.output(1)) == null ? ""
                : Patterns.other(scales, dql.output(1)));
        int in = wq.dim(0);
        int out = wq.dim(1);
        if (wScale == null || wScale.type() != ElementType.F32 || (wScale.size() != 1 && wScale.size() != out)
                || (wzp != null && wzp.size() != 1 && wzp.size() != out)) {
            return;
        }
        String key = "int:" + mmi.input(1) + "|" + mmi.input(3) + "|" + Patterns.other(scales, dql.output(1));
        String weight = shared.computeIfAbsent(key,
                k -> graph.addWeight(mmi.input(1), quantized(wq, wzp, wScale, in, out)));
        List<Node> matched = new ArrayList<>(List.of(mmi, cast, mul));
        graph.replace(matched, linear(mmi.name(), dql.input(0), "", mul.output(0), weight));
    }

    /**
     * {@code Wᵀ[o][i] = (Wq[i][o] − zp[o])·scale[o]} as codes into the integer levels with per-row
     * scales; exact, since every level is an integer below 2⁹ and the product is one float rounding.
     */
    static QuantizedMatrix quantized(Tensor wq, Tensor wzp, Tensor scale, int in, int out) {
        int[] levelCode = new int[512];
        java.util.Arrays.fill(levelCode, -1);
        float[] codebook = new float[512];
        int codes = 0;
        int[] codesOut = new int[Math.multiplyExact(in, out)];
        for (int o = 0; o < out; o++) {
            long zp = wzp == null ? 0 : wzp.getLong(wzp.size() == 1 ? 0 : o);
            for (int i = 0; i < in; i++) {
                long level = wq.getLong((long) i * out + o) - zp;
                int slot = (int) level + 256;
                if (slot < 0 || slot >= 512) {
                    throw new InvalidModelException("int8 weight level " + level + " out of range");
                }
                if (levelCode[slot] < 0) {
                    levelCode[slot] = codes;
                    codebook[codes++] = level;
                }
                codesOut[o * in + i] = levelCode[slot];
            }
        }
        float[] rowScales = new float[out];
        for (int o = 0; o < out; o++) {
            rowScales[o] = (float) scale.getDouble(scale.size() == 1 ? 0 : o);
        }
        return QuantizedMatrix.of(out, in, java.util.Arrays.copyOf(codebook, Math.max(codes, 1)), codesOut, rowScales);
    }
}
