package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Parallelism;
import dev.tersor.kernels.tensor.AttentionShape;
import dev.tersor.kernels.tensor.TensorKernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * Tersor's fused self-attention, what {@code AttentionFusion} makes of the exported pattern. Inputs
 * are the projections split into heads, {@code q [B, Tq, H, D]}, {@code k [B, Tk, H, D]},
 * {@code v [B, Tk, H, Dv]}, and an optional additive mask that broadcasts to the scores
 * {@code [B, H, Tq, Tk]}; the output is {@code [B, Tq, H, Dv]} with
 * {@code out[b, i, h] = Σ_j softmax_j(scale · q[b, i, h]·k[b, j, h] + mask[b, h, i, j]) · v[b, j, h]}:
 * exactly the unfused graph's {@code Transpose(MatMul(Softmax(MatMul(Qᵀ, Kᵀ)·scale + mask), Vᵀ))},
 * including its numpy broadcasting of batch, head and query dims of size one. Heads are read in
 * place, so no transposed copy of q, k, v or the output exists.
 */
final class AttentionOp extends AbstractOperator {

    AttentionOp() {
        super("Attention", 3, 4, 1, "scale");
    }

    @Override
    void checkAttributes(Node node) {
        float scale = node.attributes().getFloat("scale", Float.NaN);
        if (!Float.isFinite(scale)) {
            throw invalid(node, "the scale attribute must be a finite float");
        }
    }

    @Override
    public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
        ValueType q = inputs.get(0);
        ValueType k = inputs.get(1);
        ValueType v = inputs.get(2);
        ValueType mask = input(inputs, 3);
        for (ValueType t : mask == null ? List.of(q, k, v) : List.of(q, k, v, mask)) {
            requireType(node, t, "every input", ElementType.F32);
        }
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw invalid(node, "q, k and v must be [batch, tokens, heads, depth], got " + q + ", " + k + ", " + v);
        }
        int keys = k.dim(1);
        int depth = q.dim(3);
        int valueDepth = v.dim(3);
        if (k.dim(3) != depth || v.dim(1) != keys) {
            throw invalid(node, "q " + q + ", k " + k + " and v " + v + " do not multiply");
        }
        String what = node.describe();
        int[] scores = Shapes.broadcast(new int[]{q.dim(0), q.dim(2), q.dim(1), keys},
                new int[]{k.dim(0), k.dim(2), 1, keys}, what);
        int[] maskShape = null;
        if (mask != null) {
            if (mask.rank() > 4) {
                throw unsupported(node, "a mask of rank " + mask.rank() + " (at most 4)");
            }
            maskShape = new int[4];
            Arrays.fill(maskShape, 1);
            System.arraycopy(mask.shape(), 0, maskShape, 4 - mask.rank(), mask.rank());
            scores = Shapes.broadcast(scores, maskShape, what);
            if (scores[3] != keys) {
                throw invalid(node, "the mask " + mask + " widens " + keys + " keys to " + scores[3]);
            }
        }
        int[] heads = Shapes.broadcast(new int[]{scores[0], scores[1]}, new int[]{v.dim(0), v.dim(2)}, what);
        int batch = heads[0];
        int headCount = heads[1];
        int rows = scores[2];
        int[] out = {batch, rows, headCount, valueDepth};
        Shapes.size(out);
        float scale = node.attributes().getFloat("scale", Float.NaN);
        // Row strides are products of two dims; an empty tensor can still have dims whose product overflows.
        AttentionShape shape = new AttentionShape(rows, keys, depth, valueDepth,
                q.dim(1) == 1 ? 0 : stride(node, q.dim(2), depth), stride(node, k.dim(2), depth),
                stride(node, v.dim(2), valueDepth), maskShape == null || maskShape[2] == 1 ? 0 : keys,
                stride(node, headCount, valueDepth), scale);
        TensorKernels kernels = context.kernels();
        // A mask of one column (same for every key) is spread over the keys first, so the kernel sees whole rows.
        boolean spreadMask = maskShape != null && maskShape[3] == 1 && keys != 1;
        int maskRows = maskShape == null ? 0 : maskShape[0] * maskShape[1] * maskShape[2];
        long maskBytes = spreadMask ? 4L * maskRows * keys : 0;
        int[] m = maskShape;
        Parallelism parallelism = context.execution().parallelism();
        long workPerHead = (long) rows * keys * (depth + valueDepth);
        Kernel kernel = (in, o, scratch) -> {
            MemorySegment maskData = mask == null ? null : in[3];
            if (spreadMask) {
                maskData = scratch.asSlice(0, maskBytes);
                for (int r = 0; r < maskRows; r++) {
                    float value = in[3].getAtIndex(Layouts.F32, r);
                    for (int j = 0; j < keys; j++) {
                        maskData.setAtIndex(Layouts.F32, (long) r * keys + j, value);
                    }
                }
            }
            MemorySegment spread = maskData;
            // heads are independent: threads take ranges of (batch, head) pairs once a call is worth a hand-off
            parallelism.forEachRange(batch * headCount, pair -> pair * workPerHead, MIN_PARALLEL_WORK, (start, end) -> {
                for (int pair = start; pair < end; pair++) {
                    int b = pair / headCount;
                    int h = pair % headCount;
                    long qi = offset(q, b, h);
                    long ki = offset(k, b, h);
                    long vi = offset(v, b, h);
                    long mi = m == null ? 0 : ((long) (m[0] == 1 ? 0 : b) * m[1] + (m[1] == 1 ? 0 : h)) * m[2] * keys;
                    long yi = ((long) b * rows * headCount + h) * valueDepth;
                    kernels.attention(shape, in[0], qi, in[1], ki, in[2], vi, spread, mi, o[0], yi);
                }
            });
        };
        return Binding.of(ValueType.of(ElementType.F32, out), kernel, maskBytes);
    }

    /** Multiply-adds below which a call runs on the caller alone (the weight products' threshold). */
    private static final long MIN_PARALLEL_WORK = 1 << 18;

    private static int stride(Node node, int heads, int depth) {
        long stride = (long) heads * depth;
        if (stride > Integer.MAX_VALUE) {
            throw invalid(node, heads + " heads of depth " + depth + " exceed an int index");
        }
        return (int) stride;
    }

    /** Element offset of head {@code h} of batch item {@code b}'s first row in {@code [B, T, H, D]}; dims of one broadcast. */
    private static long offset(ValueType t, int b, int h) {
        int bi = t.dim(0) == 1 ? 0 : b;
        int hi = t.dim(2) == 1 ? 0 : h;
        return ((long) bi * t.dim(1) * t.dim(2) + hi) * t.dim(3);
    }
}
