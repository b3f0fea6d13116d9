package dev.tersor.compress.quant;

/**
 * What one set of quantization parameters covers.
 *
 * <ul>
 * <li>{@link #MATRIX}: one grid of values for the whole matrix, no row scales.</li>
 * <li>{@link #ROW}: each row is divided by its own scale s_r, the quantizer fits one grid c_k to the
 * pooled normalized values, and entries become s_r · c_k (methods.md Decision 10). The alphabet
 * stays shared, so the entropy coder still sees K symbols.</li>
 * </ul>
 */
public enum Scope {
    MATRIX,
    ROW
}
