package dev.tersor.graph.compile;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.util.function.BiFunction;

/**
 * A weight as the compile passes leave it, in no format yet: plain floats, or the exact levels of an
 * int8 model. {@link MutableGraph#build} places every one through the {@link WeightEncoder} once, so a
 * rewrite of the IR allocates nothing off-heap and a failed compile has nothing to close.
 *
 * @param rows     the matrix's rows
 * @param encoding hands the values, as the kind they are, to an encoder
 */
record PlainWeight(int rows, BiFunction<String, WeightEncoder, WeightMatrix> encoding) {

    /** Float weights, as imported or folded. */
    static PlainWeight of(DenseMatrixView values) {
        return new PlainWeight(values.rows(), (name, encoder) -> encoder.encode(name, values));
    }

    /** Integer levels times scales, kept exact (dynamic-int8 products, quantized embedding tables). */
    static PlainWeight of(QuantizedMatrix values) {
        return new PlainWeight(values.rows(), (name, encoder) -> encoder.encode(name, values));
    }

    WeightMatrix encode(String name, WeightEncoder encoder) {
        return encoding.apply(name, encoder);
    }
}
