package dev.tersor.format.cer;

import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/** Registration of {@link CerMatrix}. */
public final class CerFormat implements MatrixFormat {

    @Override
    public String name() {
        return CerMatrix.NAME;
    }

    @Override
    public String description() {
        return "compressed entropy row: columns grouped by value, values implicit by position";
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        return CerMatrix.encode(source);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return CerMatrix.fromLayout(layout, owner);
    }
}
