package dev.tersor.kernels.tensor;

/**
 * The geometry of one head of scaled dot-product attention ({@link TensorKernels#attention}), fixed
 * when a graph binds: {@code queries} query rows of {@code depth} floats, {@code keys} key rows of
 * {@code depth} floats and as many value rows of {@code valueDepth} floats, an additive mask of
 * {@code keys} floats per query row, and output rows of {@code valueDepth} floats. Each kind of row
 * is {@code …Stride} elements after the previous one, so the heads of a {@code [batch, tokens, heads,
 * depth]} activation are read in place (stride {@code heads·depth}); a stride of zero repeats one row
 * (a mask shared by every query). Scores are {@code scale · q·k + mask}.
 */
public record AttentionShape(int queries, int keys, int depth, int valueDepth, int queryStride, int keyStride,
                             int valueStride, int maskStride, int outputStride, float scale) {

    public AttentionShape {
        if (queries < 0 || keys < 0 || depth < 0 || valueDepth < 0 || queryStride < 0 || keyStride < 0
                || valueStride < 0 || maskStride < 0 || outputStride < valueDepth) {
            throw new IllegalArgumentException("bad attention shape: " + queries + " queries, " + keys + " keys, depth "
                    + depth + "/" + valueDepth + ", strides " + queryStride + "/" + keyStride + "/" + valueStride + "/"
                    + maskStride + "/" + outputStride);
        }
    }

    /** Elements from the first element of {@code rows} rows of {@code length} elements, {@code stride} apart, to past the last. */
    static long span(int rows, int stride, int length) {
        return rows == 0 || length == 0 ? 0 : (long) (rows - 1) * stride + length;
    }
}
