package dev.tersor.format.sham;

import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/** Registration of {@link ShamMatrix}. */
public final class ShamFormat implements MatrixFormat {

    @Override
    public String name() {
        return ShamMatrix.NAME;
    }

    @Override
    public String description() {
        return "sparse Huffman address map: stored entries Huffman-coded, columns as narrow gaps";
    }

    @Override
    public boolean accepts(QuantizedMatrix source) {
        return ShamMatrix.accepts(source);
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        return ShamMatrix.encode(source);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return ShamMatrix.fromLayout(layout, owner);
    }
}
