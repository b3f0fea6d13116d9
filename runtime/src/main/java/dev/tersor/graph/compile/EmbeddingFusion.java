package dev.tersor.graph.compile;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.ElementType;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;

import java.util.List;

/**
 * Turns row lookups in constant tables, {@code Gather(table[rows, dim], ids)} along axis 0, into
 * {@code Embedding} nodes over a Tersor weight matrix, so embedding tables are stored and compressed
 * like every other weight. A uint8/int8 table followed by a per-tensor {@code DequantizeLinear}
 * becomes a codebook matrix whose values are exactly the dequantized ones.
 */
final class EmbeddingFusion {

    private EmbeddingFusion() {
    }

    static void run(MutableGraph graph) {
        graph.index();
        for (Node gather : List.copyOf(graph.nodes)) {
            if (!gather.op().equals("Gather") || gather.attributes().getLong("axis", 0) != 0) {
                continue;
            }
            Tensor table = graph.constant(gather.input(0));
            if (table == null || table.rank() != 2 || graph.constant(gather.input(1)) != null) {
                continue;
            }
            if (table.type() == ElementType.F32) {
                String weight = graph.addWeight(gather.input(0),
                        DenseMatrixView.of(table.dim(0), table.dim(1), table.toFloatArray()));
                graph.replace(List.of(gather), embedding(gather, gather.outputs(), weight));
            } else if (table.type() == ElementType.U8 || table.type() == ElementType.I8) {
                Node dq = Patterns.soleConsumer(graph, gather.output(0), "DequantizeLinear");
                if (dq == null || !dq.input(0).equals(gather.output(0))) {
                    continue;
                }
                Tensor scale = graph.constant(dq.input(1));
                Tensor zp = dq.input(2).isEmpty() ? null : graph.constant(dq.input(2));
                if (scale == null || scale.size() != 1 || scale.type() != ElementType.F32
                        || (!dq.input(2).isEmpty() && (zp == null || zp.size() != 1))) {
                    continue;
                }
                String weight = graph.addWeight(gather.input(0), dequantized(table, zp, (float) scale.getDouble(0)));
                graph.replace(List.of(gather, dq), embedding(gather, dq.outputs(), weight));
            }
        }
        graph.compact();
    }

    private static Node embedding(Node gather, List<String> outputs, String weight) {
        return new Node(gather.name(), "Embedding", List.of(gather.input(1)), outputs,
                Attributes.builder().put("weight", weight).build());
    }

    /** Codes are the stored bytes; the codebook holds {@code (q − zp)·scale}, as DequantizeLinear computes it. */
    static QuantizedMatrix dequantized(Tensor table, Tensor zp, float scale) {
        int rows = table.dim(0);
        int cols = table.dim(1);
        long zero = zp == null ? 0 : zp.getLong(0);
        boolean signed = table.type() == ElementType.I8;
        float[] codebook = new float[256];
        for (int c = 0; c < 256; c++) {
            long q = signed ? (byte) c : c;
            codebook[c] = (float) (q - zero) * scale;
        }
        byte[] bytes = table.toByteArray();
        int[] codes = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            codes[i] = bytes[i] & 0xFF;
        }
        return QuantizedMatrix.of(rows, cols, codebook, codes, null);
    }
}
