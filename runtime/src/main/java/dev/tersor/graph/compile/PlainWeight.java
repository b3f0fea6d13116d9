package dev.tersor.graph.compile;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

/**
 * A weight as the compile passes leave it, in no format yet: plain floats, or the exact levels of an
 * int8 model. {@link MutableGraph#build} places every one through the {@link WeightEncoder} once, so a
 * rewrite of the IR allocates nothing off-heap and a failed compile has nothing to close.
 */
sealed interface PlainWeight {

    int rows();

    WeightMatrix encode(String name, WeightEncoder encoder);

    /** Float weights, as imported or folded. */
    record Floats(DenseMatrixView values) implements PlainWeight {
        @Override
        public int rows() {
            return values.rows();
        }

        @Override
        public WeightMatrix encode(String name, WeightEncoder encoder) {
            return encoder.encode(name, values);
        }
    }

    /** Integer levels times scales, kept exact (dynamic-int8 products, quantized embedding tables). */
    record Levels(QuantizedMatrix values) implements PlainWeight {
        @Override
        public int rows() {
            return values.rows();
        }

        @Override
        public WeightMatrix encode(String name, WeightEncoder encoder) {
            return encoder.encode(name, values);
        }
    }
}
