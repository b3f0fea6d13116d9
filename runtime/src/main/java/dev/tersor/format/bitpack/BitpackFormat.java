package dev.tersor.format.bitpack;

import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/** Registration of {@link BitpackMatrix}. */
public final class BitpackFormat implements MatrixFormat {

    @Override
    public String name() {
        return BitpackMatrix.NAME;
    }

    @Override
    public String description() {
        return "per-channel bit-packed: each row B_r-bit integers times 2^e_r (self-compression export)";
    }

    @Override
    public boolean accepts(QuantizedMatrix source) {
        return BitpackMatrix.accepts(source);
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        return BitpackMatrix.encode(source);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return BitpackMatrix.fromLayout(layout, owner);
    }
}
