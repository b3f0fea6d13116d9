package dev.tersor.format.ham;

import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/** Registration of {@link HamMatrix}. */
public final class HamFormat implements MatrixFormat {

    @Override
    public String name() {
        return HamMatrix.NAME;
    }

    @Override
    public String description() {
        return "Huffman address map: every entry a canonical Huffman codeword, rows streamed MSB-first";
    }

    @Override
    public boolean accepts(QuantizedMatrix source) {
        return HamMatrix.accepts(source);
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        return HamMatrix.encode(source);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return HamMatrix.fromLayout(layout, owner);
    }
}
