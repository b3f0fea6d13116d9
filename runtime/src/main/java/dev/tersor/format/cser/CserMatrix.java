package dev.tersor.format.cser;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.format.QuantizedMatrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * Compressed Shared Elements Row (Wiedemann et al.): each row's columns grouped by value, with
 * each group naming its value in {@code groupValue}, so rows need no padding groups (§1.3 of the
 * methods brief). The arrays are described in {@link GroupedRows}.
 *
 * <p>The implicit value {@code omega[0]} is the most frequent one and may be non-zero; products then
 * use {@code W·x = (W − omega[0])·x + omega[0]·Σx}. Optional per-row scales give
 * {@code W[r][c] = omega[k]·rowScale[r]}.
 */
public final class CserMatrix extends AbstractWeightMatrix {

    public static final String NAME = "cser";

    /** Most distinct levels a weight may have for loading to transcode it into CSER. */
    public static final int MAX_LOAD_LEVELS = 4096;

    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("compressed shared elements row: columns grouped by value, one value index per group")
            .encoder(CserMatrix::encode)
            .reader(CserMatrix::fromLayout)
            .cost(CserMatrix::groupedCost)
            .energy(EnergyClass.GROUPED)
            // decode-free, but only worth it for a shared codebook of few levels; row scales would
            // multiply the levels into one group per value and row
            .loadTarget((stored, stats) -> !stored.layout().arrays().containsKey("rowScale")
                    && stats.levelsCounted() && stats.distinctLevels() <= MAX_LOAD_LEVELS)
            .build();

    /**
     * The rule-of-thumb cost of CER and CSER: a gather-add of 1.5 per stored entry, 2 per group (the
     * group's multiply and pointer loads), 1 per row.
     */
    public static double groupedCost(MatrixStatistics s) {
        return 1.5 * s.explicitEntries() + 2.0 * s.groups() + s.rows();
    }

    private final GroupedRows rows;

    private CserMatrix(int rowCount, int cols, GroupedRows rows, Arena owner) {
        super(NAME, rows.kernelArrays(rowCount, cols), owner);
        this.rows = rows;
    }

    /** Encodes {@code source} losslessly. */
    public static CserMatrix encode(QuantizedMatrix source) {
        Arena arena = Arena.ofShared();
        try {
            GroupedRows rows = GroupedRows.encode(source, true, arena);
            return new CserMatrix(source.rows(), source.cols(), rows, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** A matrix over an untrusted layout; see {@link GroupedRows#validate} for the checks. */
    public static CserMatrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        return new CserMatrix(layout.rows(), layout.cols(), GroupedRows.validate(layout, true), owner);
    }

    /** The layout's arrays; valid until the matrix is closed. */
    public GroupedRows arrays() {
        ensureOpen();
        return rows;
    }

    @Override
    protected long workBefore(int row) {
        return rows.workBefore(row);
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        rows.decodeRow(row, cols(), dst);
    }

    @Override
    protected Layout layoutK() {
        return new Layout(NAME, rows(), cols(), Map.of(), rows.arrays());
    }
}
