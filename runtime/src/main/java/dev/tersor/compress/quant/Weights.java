package dev.tersor.compress.quant;

import dev.tersor.format.DenseMatrixView;

/** Reading weights for quantization: a checked heap copy, and the non-zeros a grid is fitted to. */
final class Weights {

    private Weights() {
    }

    /** A row-major heap copy of {@code weights}; throws if an entry is not finite. */
    static float[] copyFinite(DenseMatrixView weights) {
        float[] w = weights.toArray();
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new IllegalArgumentException("weight " + w[i] + " at (" + i / weights.cols() + ", "
                        + i % weights.cols() + ") is not finite");
            }
        }
        return w;
    }

    /**
     * The values a grid is fitted to: the non-zeros in row-major order, divided by their row's scale
     * under {@link Scope#ROW}. {@code scales} is {@code null} under {@link Scope#MATRIX}.
     */
    record NonZeros(float[] values, float[] scales) {

        /** The normalized value of weight {@code w} in row {@code row}, as it was computed for the fit. */
        float normalize(int row, float w) {
            return scales == null ? w : (float) ((double) w / scales[row]);
        }
    }

    static NonZeros nonZeros(float[] w, int rows, int cols, Scope scope) {
        float[] scales = scope == Scope.ROW ? rowRms(w, rows, cols) : null;
        int count = 0;
        for (float v : w) {
            if (v != 0f) {
                count++;
            }
        }
        NonZeros result = new NonZeros(new float[count], scales);
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] != 0f) {
                result.values[n++] = result.normalize(i / cols, w[i]);
            }
        }
        return result;
    }

    /**
     * Root mean square of each row's non-zeros: the row's spread about zero, which for weights (mean
     * near zero) is its standard deviation. Rows without non-zeros get 1, an arbitrary valid scale.
     */
    static float[] rowRms(float[] w, int rows, int cols) {
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            double sumSq = 0;
            int count = 0;
            for (int c = 0, i = r * cols; c < cols; c++, i++) {
                if (w[i] != 0f) {
                    sumSq += (double) w[i] * w[i];
                    count++;
                }
            }
            scales[r] = count == 0 ? 1f : (float) Math.sqrt(sumSq / count);
        }
        return scales;
    }
}
