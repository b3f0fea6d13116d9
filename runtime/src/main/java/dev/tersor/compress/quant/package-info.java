/**
 * Quantizers: {@link dev.tersor.compress.quant.UniformQuantizer} (UQ),
 * {@link dev.tersor.compress.quant.KMeansQuantizer} (CWS),
 * {@link dev.tersor.compress.quant.ProbabilisticQuantizer} (PWS) and
 * {@link dev.tersor.compress.quant.EntropyConstrainedQuantizer} (ECSQ), each per matrix or per row
 * ({@link dev.tersor.compress.quant.Scope}), each producing a {@link dev.tersor.format.QuantizedMatrix}
 * whose values lie on a {@link dev.tersor.compress.quant.QuantizationGrid}.
 */
package dev.tersor.compress.quant;
