package dev.tersor.compress.pipeline;

import dev.tersor.format.FormatPolicy;

/**
 * How one weight matrix is compressed: magnitude pruning, then quantization of the non-zeros, then
 * the format that stores it.
 *
 * @param sparsity   fraction of entries pruned to exact zeros (0 for none); ignored when the plan
 *                   prunes with one global threshold
 * @param quant      the quantizer, or {@code null} to keep float32 values
 * @param format     a format name, or {@code "auto"} to let the objective choose
 * @param compensate quantize with error compensation when calibration statistics exist for the layer
 */
public record LayerSettings(double sparsity, QuantSpec quant, String format, boolean compensate) {

    public static final String AUTO = FormatPolicy.AUTO;

    public LayerSettings {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
        }
        if (format == null || format.isBlank()) {
            throw new IllegalArgumentException("format must be a name or auto");
        }
    }

    /** Float32 values, no pruning, automatic format: the lossless baseline. */
    public static LayerSettings lossless() {
        return new LayerSettings(0, null, AUTO, false);
    }

    public LayerSettings withQuant(QuantSpec q) {
        return new LayerSettings(sparsity, q, format, compensate);
    }

    public LayerSettings withFormat(String f) {
        return new LayerSettings(sparsity, quant, f, compensate);
    }

    public LayerSettings withSparsity(double s) {
        return new LayerSettings(s, quant, format, compensate);
    }

    public LayerSettings withCompensate(boolean c) {
        return new LayerSettings(sparsity, quant, format, c);
    }

    @Override
    public String toString() {
        return (sparsity > 0 ? "prune " + sparsity + " " : "") + (quant == null ? "float" : quant.toString()) + " " + format;
    }
}
