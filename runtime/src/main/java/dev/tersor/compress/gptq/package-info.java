/**
 * Calibration-based error-compensating quantization: {@link dev.tersor.compress.gptq.HessianAccumulator}
 * gathers a layer's input statistics, {@link dev.tersor.compress.gptq.GptqQuantizer} quantizes its
 * weights onto any {@link dev.tersor.compress.quant.QuantizationGrid} while cancelling the output error.
 */
package dev.tersor.compress.gptq;
