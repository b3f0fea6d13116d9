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

    /** Encodes {@code source} losslessly: decoding gives {@code source.value(r, c)} bit for bit. */
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
