package dev.tersor.compress.gptq;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.prune.PruningMask;
import dev.tersor.compress.quant.QuantizationGrid;
import dev.tersor.compress.quant.Quantizer;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Error-compensating quantization in the style of GPTQ/OBQ (Frantar et al.): minimizes the layer's
 * output error ‖(W − Q)·X‖ on calibration inputs X rather than ‖W − Q‖, through H = X·Xᵀ from a
 * {@link HessianAccumulator}.
 *
 * <p>Columns (inputs) are quantized one at a time, and the error of each is cancelled as far as the
 * columns not yet quantized can. GPTQ writes this with U, the upper Cholesky factor of the damped
 * inverse, Uᵀ·U = H_δ⁻¹ with H_δ = H + δ·mean(diag H)·I: after column a, every later column j moves
 * by −e_a·U_aj, where e_a = (w̃_a − q_a)/U_aa. Summing the moves gives r = w − q = Uᵀ·e, so
 * e = Mᵀ·r with M = U⁻¹, the upper triangular factor of H_δ itself (H_δ = M·Mᵀ), and column j is
 * quantized from
 *
 * <pre>  w̃_j = w_j + (Σ_{a&lt;j} M_aj·r_a) / M_jj</pre>
 *
 * which needs one Cholesky factorization of H and no inverse. The sums are accumulated forward, as
 * GPTQ's lazy updates are: once r_a is known, r_a times row a of M (contiguous) is added to the
 * pending sums of the later columns. A tile of weight rows goes at a time, so that each row of M is
 * used while in cache. Rows never interact, so results do not depend
 * on the tiling. With {@code actOrder}, columns are taken in order of decreasing H_ii, the inputs
 * with most energy first.
 *
 * <p>Every entry takes a value of the given grid, so any grid works: per-row uniform steps, or a
 * codebook fitted first (k-means, PWS, ECSQ) to which this pass only assigns codes, by nearest value
 * after compensation. Entries that are exactly zero, or pruned by the mask, are pinned to 0 and their
 * error (the pruned weight) is compensated like any other. Inputs never seen (H_ii = 0) are rounded
 * without compensation and keep their weights.
 *
 * <p>Not for a Gather's table (an embedding): it has no input statistics.
 *
 * @param damping  δ, relative to mean(diag H); raised tenfold (up to four times) if the Cholesky
 *                 factorization fails
 * @param actOrder quantize inputs in order of decreasing H_ii
 */
public record GptqQuantizer(double damping, boolean actOrder) {

    private static final int ROW_TILE = 16;
    private static final int DAMPING_RETRIES = 4;

    public GptqQuantizer {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be finite and non-negative, got " + damping);
        }
    }

    /** δ = 0.01, act-order on. */
    public static GptqQuantizer defaults() {
        return new GptqQuantizer(0.01, true);
    }

    /** Fits {@code quantizer}'s grid to {@code weights}, then assigns codes with compensation. */
    public QuantizedMatrix quantize(DenseMatrixView weights, HessianAccumulator inputs, Quantizer quantizer) {
        return quantize(weights, inputs, quantizer, null, ProgressListener.NONE);
    }

    /**
     * Fits {@code quantizer}'s grid to the pruned weights, then quantizes the unpruned weights with
     * the pruned entries pinned to 0, so the pruning error is compensated too.
     *
     * @param mask {@code null} for no pruning
     */
    public QuantizedMatrix quantize(DenseMatrixView weights, HessianAccumulator inputs, Quantizer quantizer,
                                    PruningMask mask, ProgressListener progress) {
        QuantizationGrid grid = quantizer.fit(mask == null ? weights : mask.apply(weights), progress);
        return quantize(weights, inputs, grid, mask, progress);
    }

    /**
     * Quantizes {@code weights} {@code [out, in]} onto {@code grid}, compensating the error through
     * the statistics of its {@code in} inputs.
     *
     * @param mask {@code null} for no pruning; otherwise its pruned entries become 0
     */
    public QuantizedMatrix quantize(DenseMatrixView weights, HessianAccumulator inputs, QuantizationGrid grid,
                                    PruningMask mask, ProgressListener progress) {
        int rows = weights.rows();
        int n = weights.cols();
        if (inputs.inputs() != n) {
            throw new IllegalArgumentException("statistics of " + inputs.inputs() + " inputs for a matrix of "
                    + n + " columns");
        }
        if (grid.hasRowScales() && grid.rows() != rows) {
            throw new IllegalArgumentException("grid has scales for " + grid.rows() + " rows, matrix has " + rows);
        }
        if (mask != null && (mask.rows() != rows || mask.cols() != n)) {
            throw new IllegalArgumentException("mask is " + mask.rows() + "x" + mask.cols() + ", weights are "
                    + rows + "x" + n);
        }
        float[] w = weights.toArray();
        boolean[] pinned = new boolean[w.length];
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new IllegalArgumentException("weight " + w[i] + " at (" + i / n + ", " + i % n + ") is not finite");
            }
            pinned[i] = w[i] == 0f || (mask != null && mask.isPruned(i / n, i % n));
        }

        double[] h = inputs.hessian();
        int[] order = columnOrder(h, n);
        double[] m = upperFactor(permuted(h, n, order), n);

        int[] codes = new int[w.length];
        progress.progress("gptq", 0, rows);
        double[] pending = new double[ROW_TILE * n];
        for (int r0 = 0; r0 < rows; r0 += ROW_TILE) {
            int tileRows = Math.min(ROW_TILE, rows - r0);
            Arrays.fill(pending, 0, tileRows * n, 0);
            for (int a = 0; a < n; a++) {
                int ma = a * n;
                double diagonal = m[ma + a];
                for (int t = 0; t < tileRows; t++) {
                    int row = r0 + t;
                    int index = row * n + order[a];
                    int pt = t * n;
                    double target = w[index] + pending[pt + a] / diagonal;
                    int code = pinned[index] ? grid.zeroCode() : grid.nearest(row, target);
                    codes[index] = code;
                    double residual = (double) w[index] - grid.value(row, code);
                    if (residual != 0) {
                        for (int j = a + 1; j < n; j++) {
                            pending[pt + j] += residual * m[ma + j];
                        }
                    }
                }
            }
            progress.progress("gptq", r0 + tileRows, rows);
        }
        return grid.toMatrix(rows, n, codes);
    }

    /**
     * Columns in processing order. Inputs never seen get H_ii = 1: they decouple from the others
     * (their row and column of H are 0) and are simply rounded.
     */
    private int[] columnOrder(double[] h, int n) {
        for (int i = 0; i < n; i++) {
            if (h[i * n + i] == 0) {
                h[i * n + i] = 1;
            }
        }
        if (!actOrder) {
            return IntStream.range(0, n).toArray();
        }
        return IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -h[i * n + i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    private static double[] permuted(double[] h, int n, int[] order) {
        double[] p = new double[n * n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                p[a * n + b] = h[order[a] * n + order[b]];
            }
        }
        return p;
    }

    /** M upper triangular with M·Mᵀ = H + δ·mean(diag H)·I, raising δ if H is numerically singular. */
    private double[] upperFactor(double[] h, int n) {
        double meanDiagonal = 0;
        for (int i = 0; i < n; i++) {
            meanDiagonal += h[i * n + i];
        }
        meanDiagonal /= Math.max(1, n);
        double delta = damping;
        for (int attempt = 0; attempt <= DAMPING_RETRIES; attempt++) {
            double[] damped = Arrays.copyOf(h, h.length);
            for (int i = 0; i < n; i++) {
                damped[i * n + i] += delta * meanDiagonal;
            }
            double[] m = Cholesky.upper(damped, n);
            if (m != null) {
                return m;
            }
            delta = delta == 0 ? 1e-6 : delta * 10;
        }
        throw new IllegalArgumentException("input statistics are not positive definite even with damping "
                + delta / 10 + " (" + n + " inputs); feed more calibration data");
    }
}
