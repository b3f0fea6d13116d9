package dev.tersor.graph.compile;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

/**
 * Chooses the Tersor format of each weight matrix an import creates. Import stores float weights as
 * {@link DenseMatrixView}s and int8 weights as lossless {@link QuantizedMatrix}es; the encoder decides
 * the layout. Compression policies plug in here.
 */
public interface WeightEncoder {

    WeightMatrix encode(String name, DenseMatrixView weights);

    WeightMatrix encode(String name, QuantizedMatrix weights);

    /** Every weight in {@code format}. */
    static WeightEncoder of(MatrixFormat format) {
        return new WeightEncoder() {
            @Override
            public WeightMatrix encode(String name, DenseMatrixView weights) {
                return format.encode(weights);
            }

            @Override
            public WeightMatrix encode(String name, QuantizedMatrix weights) {
                return format.encode(weights);
            }
        };
    }

    /** Every weight dense float32: no compression. */
    static WeightEncoder dense() {
        return of(MatrixFormats.named("dense"));
    }
}
