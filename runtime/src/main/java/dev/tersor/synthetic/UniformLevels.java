package dev.tersor.synthetic;

import dev.tersor.format.QuantizedMatrix;

/**
 * Requantizes a matrix's non-zero values onto {@code n} evenly spaced levels between the smallest
 * and the largest non-zero codebook value in use; zeros stay exact zeros (they are the pruned
 * entries) and row scales are kept. With two levels and values symmetric about zero this is the
 * binary {@code {−α, +α}} quantization of the XOR paper. A tool for synthetic experiments
 * ({@code tersor matrix --bits}), not a model quantizer.
 */
public final class UniformLevels {

    private UniformLevels() {
    }

    /** {@code source} with its non-zero values rounded to the nearest of {@code levels} uniform levels. */
    public static QuantizedMatrix requantize(QuantizedMatrix source, int levels) {
        if (levels < 1) {
            throw new IllegalArgumentException("need at least one level, got " + levels);
        }
        long[] counts = source.codeCounts();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < counts.length; k++) {
            float v = source.codebookValue(k);
            if (counts[k] > 0 && v != 0f) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        float[] codebook = new float[levels + 1];
        for (int i = 0; i < levels; i++) {
            codebook[1 + i] = levels == 1 ? (float) ((min + max) / 2) : (float) (min + (max - min) * i / (levels - 1));
        }
        int[] map = new int[counts.length];
        for (int k = 0; k < counts.length; k++) {
            float v = source.codebookValue(k);
            if (v == 0f || counts[k] == 0) {
                continue;
            }
            int best = 1;
            for (int i = 2; i <= levels; i++) {
                if (Math.abs(codebook[i] - v) < Math.abs(codebook[best] - v)) {
                    best = i;
                }
            }
            map[k] = best;
        }
        int rows = source.rows();
        int cols = source.cols();
        int[] codes = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                codes[r * cols + c] = map[source.code(r, c)];
            }
        }
        float[] scales = null;
        if (source.hasRowScales()) {
            scales = new float[rows];
            for (int r = 0; r < rows; r++) {
                scales[r] = source.rowScale(r);
            }
        }
        return QuantizedMatrix.of(rows, cols, codebook, codes, scales);
    }
}
