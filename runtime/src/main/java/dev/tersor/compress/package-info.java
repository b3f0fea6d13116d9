/**
 * Matrix-level compression: magnitude pruning ({@code prune}), quantizers that turn a float matrix
 * into a {@link dev.tersor.format.QuantizedMatrix} ({@code quant}), the calibration-based
 * error-compensating quantizer ({@code gptq}), and size estimates that rank settings before a format
 * is chosen ({@link dev.tersor.compress.EntropyEstimate}).
 */
package dev.tersor.compress;
