package dev.tersor.format.cser;

import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/** Registration of {@link CserMatrix}. */
public final class CserFormat implements MatrixFormat {

    @Override
    public String name() {
        return CserMatrix.NAME;
    }

    @Override
    public String description() {
        return "compressed shared elements row: columns grouped by value, one value index per group";
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        return CserMatrix.encode(source);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return CserMatrix.fromLayout(layout, owner);
    }
}
