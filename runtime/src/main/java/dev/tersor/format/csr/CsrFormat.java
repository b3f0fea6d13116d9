package dev.tersor.format.csr;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/** Registration of {@link CsrMatrix}. */
public final class CsrFormat implements MatrixFormat {

    @Override
    public String name() {
        return CsrMatrix.NAME;
    }

    @Override
    public String description() {
        return "compressed sparse row: float32 values, column indices, row pointers";
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        return CsrMatrix.encode(source);
    }

    @Override
    public WeightMatrix encode(DenseMatrixView source) {
        return CsrMatrix.encode(source);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        return CsrMatrix.fromLayout(layout, owner);
    }
}
