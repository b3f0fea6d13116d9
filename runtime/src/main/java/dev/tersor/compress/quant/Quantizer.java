package dev.tersor.compress.quant;

import dev.tersor.compress.ProgressListener;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

/**
 * Turns a float weight matrix into a {@link QuantizedMatrix}. Exact zeros in the input (pruned
 * entries) are left out of every statistic and stay exact zeros, a symbol of their own; the
 * quantizer acts on the non-zeros only. Implementations are immutable settings, thread-safe, and
 * deterministic: the same input and settings (seed included) give the same result.
 *
 * <p>Weights must be finite; {@code -0f} counts as zero.
 */
public interface Quantizer {

    /**
     * The grid this quantizer fits to {@code weights}: the values entries may take. An error
     * compensating pass ({@code dev.tersor.compress.gptq}) assigns codes on it instead of
     * {@link #quantize}.
     */
    QuantizationGrid fit(DenseMatrixView weights, ProgressListener progress);

    default QuantizationGrid fit(DenseMatrixView weights) {
        return fit(weights, ProgressListener.NONE);
    }

    /** Fits the grid and assigns every entry a value on it, by this quantizer's own rule. */
    QuantizedMatrix quantize(DenseMatrixView weights, ProgressListener progress);

    default QuantizedMatrix quantize(DenseMatrixView weights) {
        return quantize(weights, ProgressListener.NONE);
    }
}
