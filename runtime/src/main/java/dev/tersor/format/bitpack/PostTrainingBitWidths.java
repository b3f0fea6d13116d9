package dev.tersor.format.bitpack;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.kernels.bitpack.BitpackRows;

/**
 * Chooses each row's width and exponent {@code (B_r, e_r)} for the bit-packed format after
 * training, from the trained float weights alone: per row, the fewest bits whose best exponent keeps
 * the row's relative quantization error {@code ‖w − q·2^e‖ / ‖w‖} within a budget.
 *
 * <p>This is <em>not</em> the self-compression method of Cséfalvay and Imber. There, {@code b} and
 * {@code e} are learned with the weights by gradient descent under a size penalty, so the network
 * adapts to its own quantization and whole channels are pruned when that costs little accuracy. A
 * post-training search cannot do either: it only measures rounding error, row by row, and prunes a
 * row only if it is all zeros or if the budget tolerates losing it entirely ({@code budget ≥ 1}).
 */
public final class PostTrainingBitWidths {

    /**
     * Per-row choices.
     *
     * @param bits      B_r, 0 to 16
     * @param exponents e_r
     * @param errors    the relative error each row reaches with its choice
     */
    public record Choice(int[] bits, int[] exponents, double[] errors) {
    }

    private PostTrainingBitWidths() {
    }

    /**
     * For every row, the smallest width (and, for it, the exponent with the least error) whose
     * relative error is at most {@code budget}; rows that no width up to 16 brings within budget get
     * 16 bits and their best exponent.
     */
    public static Choice forRelativeError(DenseMatrixView w, double budget) {
        if (!(budget >= 0)) {
            throw new IllegalArgumentException("the error budget must be non-negative, got " + budget);
        }
        int rows = w.rows();
        int cols = w.cols();
        int[] bits = new int[rows];
        int[] exponents = new int[rows];
        double[] errors = new double[rows];
        double[] row = new double[cols];
        for (int r = 0; r < rows; r++) {
            double norm = 0;
            double maxAbs = 0;
            for (int c = 0; c < cols; c++) {
                row[c] = w.get(r, c);
                norm += row[c] * row[c];
                maxAbs = Math.max(maxAbs, Math.abs(row[c]));
            }
            norm = Math.sqrt(norm);
            if (norm == 0 || budget >= 1) {
                bits[r] = 0;
                errors[r] = norm == 0 ? 0 : 1;
                continue;
            }
            for (int b = 1; b <= BitpackRows.MAX_BITS; b++) {
                // the exponent that just covers the largest magnitude, and its neighbours (clipping a
                // lone outlier can beat a coarser step)
                int cover = Math.getExponent(maxAbs / Math.max(1, (1 << (b - 1)) - 1)) + 1;
                double best = Double.POSITIVE_INFINITY;
                int bestExponent = cover;
                for (int e = cover - 2; e <= cover + 1; e++) {
                    int exponent = Math.max(-149, Math.min(127, e));
                    double error = error(row, cols, b, exponent) / norm;
                    if (error < best) {
                        best = error;
                        bestExponent = exponent;
                    }
                }
                bits[r] = b;
                exponents[r] = bestExponent;
                errors[r] = best;
                if (best <= budget) {
                    break;
                }
            }
        }
        return new Choice(bits, exponents, errors);
    }

    /** ‖w − q·2^e‖ with q rounded as {@link BitpackMatrix#quantize} rounds it. */
    private static double error(double[] w, int n, int bits, int exponent) {
        double low = -Math.scalb(1.0, bits - 1);
        double high = Math.scalb(1.0, bits - 1) - 1;
        double sum = 0;
        for (int c = 0; c < n; c++) {
            double q = Math.rint(Math.max(low, Math.min(high, Math.scalb(w[c], -exponent))));
            double d = w[c] - Math.scalb(q, exponent);
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
