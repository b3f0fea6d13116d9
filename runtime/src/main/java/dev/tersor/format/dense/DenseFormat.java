package dev.tersor.format.dense;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/** Registration of {@link DenseMatrix}. */
public final class DenseFormat implements MatrixFormat {

    @Override
    public String name() {
        return DenseMatrix.NAME;
    }

    @Override
    public String description() {
        return "dense float32, row-major";
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        return DenseMatrix.encode(source);
    }

    @Override
    public WeightMatrix encode(DenseMatrixView source) {
        return DenseMatrix.encode(source);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return DenseMatrix.fromLayout(layout, owner);
    }
}
