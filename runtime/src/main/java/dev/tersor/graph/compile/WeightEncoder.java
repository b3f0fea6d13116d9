package dev.tersor.graph.compile;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.FormatPolicy;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.format.dense.DenseMatrix;

/**
 * Places the weights an import creates. The compile passes leave float weights as
 * {@link DenseMatrixView}s and int8 weights as lossless {@link QuantizedMatrix}es; after the last
 * pass each goes through this once. The usual encoder is a {@link FormatPolicy}, the same one
 * compression and loading use; an encoder of its own may choose by weight name.
 */
public interface WeightEncoder {

    WeightMatrix encode(String name, DenseMatrixView weights);

    WeightMatrix encode(String name, QuantizedMatrix weights);

    /** Every weight where {@code policy} places it. */
    static WeightEncoder of(FormatPolicy policy) {
        return new WeightEncoder() {
            @Override
            public WeightMatrix encode(String name, DenseMatrixView weights) {
                return policy.place(weights);
            }

            @Override
            public WeightMatrix encode(String name, QuantizedMatrix weights) {
                return policy.place(weights).matrix();
            }
        };
    }

    /** Every weight in {@code format}. */
    static WeightEncoder of(MatrixFormat format) {
        return of(FormatPolicy.fixed(format));
    }

    /** Every weight dense float32: no compression. */
    static WeightEncoder dense() {
        return of(DenseMatrix.FORMAT);
    }
}
