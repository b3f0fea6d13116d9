package dev.tersor.compress.pipeline;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.quant.QuantizationGrid;
import dev.tersor.compress.quant.Quantizer;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.bitpack.PostTrainingBitWidths;

/**
 * Per-channel bit allocation for the bit-packed format: each row r gets a width B_r and a
 * power-of-two step 2^e_r ({@link PostTrainingBitWidths}), the fewest bits whose relative error is
 * within {@code maxRelativeError}, capped so that a row never has more than {@code k} levels. Entries
 * become integers times the row's step, which the bit-packed format stores exactly.
 *
 * <p>The grid shares the integer levels of the widest row; {@link #quantize} clamps each row to its
 * own width, while an error-compensating pass on {@link #fit}'s grid may use the shared range (the
 * bit-packed format then widens that row).
 */
record PerChannelQuantizer(int k, double maxRelativeError) implements Quantizer {

    PerChannelQuantizer {
        if (k < 2) {
            throw new IllegalArgumentException("per-channel allocation needs K ≥ 2 levels, got " + k);
        }
    }

    private int maxBits() {
        return Math.min(16, 31 - Integer.numberOfLeadingZeros(k));
    }

    private PostTrainingBitWidths.Choice choice(DenseMatrixView weights) {
        PostTrainingBitWidths.Choice c = PostTrainingBitWidths.forRelativeError(weights, maxRelativeError);
        int cap = maxBits();
        for (int r = 0; r < c.bits().length; r++) {
            if (c.bits()[r] > cap) {
                // re-derive the exponent for the capped width: cover the row's largest magnitude
                double maxAbs = 0;
                for (int col = 0; col < weights.cols(); col++) {
                    maxAbs = Math.max(maxAbs, Math.abs(weights.get(r, col)));
                }
                c.bits()[r] = cap;
                c.exponents()[r] = Math.getExponent(maxAbs / Math.max(1, (1 << (cap - 1)) - 1)) + 1;
            }
        }
        return c;
    }

    @Override
    public QuantizationGrid fit(DenseMatrixView weights, ProgressListener progress) {
        PostTrainingBitWidths.Choice c = choice(weights);
        int widest = 1;
        for (int b : c.bits()) {
            widest = Math.max(widest, b);
        }
        return grid(widest, c.exponents());
    }

    private static QuantizationGrid grid(int bits, int[] exponents) {
        int low = -(1 << (bits - 1));
        int high = Math.max(1, (1 << (bits - 1)) - 1);
        float[] levels = new float[high - low + 1];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = low + i;
        }
        float[] scales = new float[exponents.length];
        for (int r = 0; r < scales.length; r++) {
            scales[r] = Math.scalb(1f, Math.max(-126, Math.min(127, exponents[r])));
        }
        return QuantizationGrid.of(levels, true, scales);
    }

    @Override
    public QuantizedMatrix quantize(DenseMatrixView weights, ProgressListener progress) {
        progress.progress("per-channel", 0, 1);
        PostTrainingBitWidths.Choice c = choice(weights);
        int widest = 1;
        for (int b : c.bits()) {
            widest = Math.max(widest, b);
        }
        QuantizationGrid grid = grid(widest, c.exponents());
        int rows = weights.rows();
        int cols = weights.cols();
        int[] codes = new int[rows * cols];
        int zero = grid.zeroCode();
        for (int r = 0; r < rows; r++) {
            int bits = c.bits()[r];
            double low = bits == 0 ? 0 : -Math.scalb(1.0, bits - 1);
            double high = bits == 0 ? 0 : Math.scalb(1.0, bits - 1) - 1;
            float scale = grid.rowScale(r);
            for (int col = 0; col < cols; col++) {
                float w = weights.get(r, col);
                double q = w == 0 ? 0 : Math.rint(Math.max(low, Math.min(high, w / scale)));
                codes[r * cols + col] = zero + (int) q;
            }
        }
        progress.progress("per-channel", 1, 1);
        return grid.toMatrix(rows, cols, codes);
    }
}
