package dev.tersor.format.dense;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.arrays.DenseArrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/** Dense float32, row-major: the uncompressed baseline, {@code 32} bits per weight. */
public final class DenseMatrix extends AbstractWeightMatrix {

    public static final String NAME = "dense";

    /** The dense format's row: the reference every other format is measured against. */
    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("dense float32, row-major")
            .encoder(DenseMatrix::encode)
            .denseEncoder(DenseMatrix::encode)
            .reader(DenseMatrix::fromLayout)
            // a streamed multiply-add per entry: the unit of every cost rule
            .cost(MatrixStatistics::entries)
            .energy(EnergyClass.DENSE)
            .loadTarget(MatrixFormat.LoadTarget.ALWAYS)
            .build();

    private final MemorySegment values;

    private DenseMatrix(int rows, int cols, MemorySegment values, Arena owner) {
        super(NAME, new DenseArrays(rows, cols, values), owner);
        this.values = values;
    }

    /** Copies {@code source} into a new off-heap matrix. */
    public static DenseMatrix encode(DenseMatrixView source) {
        Arena arena = Arena.ofShared();
        MemorySegment values = OffHeap.floats(arena, source.size());
        MemorySegment.copy(source.data(), 0, values, 0, values.byteSize());
        return new DenseMatrix(source.rows(), source.cols(), values, arena);
    }

    public static DenseMatrix encode(QuantizedMatrix source) {
        Arena arena = Arena.ofShared();
        MemorySegment values = OffHeap.floats(arena, (long) source.rows() * source.cols());
        source.decodeInto(values);
        return new DenseMatrix(source.rows(), source.cols(), values, arena);
    }

    /** A dense matrix over {@code layout}: one f32 array {@code values} of {@code rows·cols} elements. */
    public static DenseMatrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        MemorySegment values = layout.f32("values", (long) layout.rows() * layout.cols());
        return new DenseMatrix(layout.rows(), layout.cols(), values, owner);
    }

    /** The weights as a view; valid until the matrix is closed. */
    public DenseMatrixView view() {
        ensureOpen();
        return new DenseMatrixView(rows(), cols(), values);
    }

    @Override
    protected long workBefore(int row) {
        return (long) row * cols();
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        long rowBytes = 4L * cols();
        MemorySegment.copy(values, row * rowBytes, dst, 0, rowBytes);
    }

    @Override
    protected Layout layoutK() {
        return new Layout(NAME, rows(), cols(), Map.of(), Map.of("values", LayoutArray.f32(values)));
    }
}
