package dev.tersor.format;

import java.lang.foreign.Arena;

/**
 * A weight format: its encoder and the validating reader of its layouts. Implementations are found
 * through {@link java.util.ServiceLoader}, so new formats plug in without changes elsewhere.
 */
public interface MatrixFormat {

    /** Short name, e.g. {@code "cser"}; also the {@link Layout#format()} of its layouts. */
    String name();

    /** One line on what the format stores. */
    String description();

    /**
     * Whether {@link #encode(QuantizedMatrix)} can represent {@code source} exactly. Most formats
     * hold any matrix; a format with a restricted value set (the bit-packed one: integers times a
     * power of two per row) says no for the rest, and its encoder then throws. Generic tests run
     * every format on every input it accepts, and on inputs built so that all formats accept them.
     */
    default boolean accepts(QuantizedMatrix source) {
        return true;
    }

    /**
     * Encodes {@code source} losslessly: decoding gives {@code source.value(r, c)} bit for bit.
     *
     * @throws IllegalArgumentException if the format cannot represent it ({@link #accepts} is false)
     */
    WeightMatrix encode(QuantizedMatrix source);

    /** Encodes a plain float matrix losslessly (values compared by their bits). */
    default WeightMatrix encode(DenseMatrixView source) {
        return encode(QuantizedMatrix.fromDense(source));
    }

    /**
     * A matrix over an untrusted layout, after checking every invariant the kernels rely on. Throws
     * {@link InvalidLayoutException} with a message naming the broken invariant.
     *
     * @param owner arena to close with the matrix, or {@code null} if the memory belongs to the caller
     */
    WeightMatrix fromLayout(Layout layout, Arena owner);
}
