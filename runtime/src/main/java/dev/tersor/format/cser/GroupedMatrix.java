package dev.tersor.format.cser;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.Layout;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * A matrix stored as {@link GroupedRows}: CER and CSER differ only in whether each group names its
 * value, which {@link GroupedRows} already handles, so everything after encoding and validation is
 * shared here. The subclasses keep the format rows and the typed {@code encode}/{@code fromLayout}.
 */
public abstract class GroupedMatrix extends AbstractWeightMatrix {

    private final GroupedRows rows;

    protected GroupedMatrix(String formatName, int rowCount, int cols, GroupedRows rows, Arena owner) {
        super(formatName, rows.kernelArrays(rowCount, cols), owner);
        this.rows = rows;
    }

    /** A subclass's constructor, so that encoding and reading can be written once for both formats. */
    protected interface Constructor<M extends GroupedMatrix> {
        M create(int rowCount, int cols, GroupedRows rows, Arena owner);
    }

    /**
     * Encodes {@code source} losslessly into a matrix that owns a new arena.
     *
     * @param explicitValues whether each group names its value (CSER) or takes it from its position (CER)
     */
    protected static <M extends GroupedMatrix> M encodeGrouped(QuantizedMatrix source, boolean explicitValues,
                                                               Constructor<M> constructor) {
        return OffHeap.owned(arena -> {
            GroupedRows rows = GroupedRows.encode(source, explicitValues, arena);
            return constructor.create(source.rows(), source.cols(), rows, arena);
        });
    }

    /** A matrix over an untrusted layout of format {@code name}; see {@link GroupedRows#validate} for the checks. */
    protected static <M extends GroupedMatrix> M readGrouped(Layout layout, String name, boolean explicitValues,
                                                             Arena owner, Constructor<M> constructor) {
        layout.requireFormat(name);
        return constructor.create(layout.rows(), layout.cols(), GroupedRows.validate(layout, explicitValues), owner);
    }

    /** The layout's arrays; valid until the matrix is closed. */
    public final GroupedRows arrays() {
        ensureOpen();
        return rows;
    }

    @Override
    protected final long workBefore(int row) {
        return rows.workBefore(row);
    }

    @Override
    protected final void decodeRowK(int row, MemorySegment dst) {
        rows.decodeRow(row, cols(), dst);
    }

    @Override
    protected final Layout layoutK() {
        return new Layout(formatName(), rows(), cols(), Map.of(), rows.arrays());
    }
}
