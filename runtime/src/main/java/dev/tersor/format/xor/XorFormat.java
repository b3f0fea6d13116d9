package dev.tersor.format.xor;

import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/** Registration of {@link XorMatrix}. */
public final class XorFormat implements MatrixFormat {

    @Override
    public String name() {
        return XorMatrix.NAME;
    }

    @Override
    public String description() {
        return "XOR-gate encrypted bit-planes with patches, Rice-coded pruning mask";
    }

    @Override
    public boolean accepts(QuantizedMatrix source) {
        return XorMatrix.accepts(source);
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        return XorMatrix.encode(source);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return XorMatrix.fromLayout(layout, owner);
    }
}
