package dev.tersor.format.cser;

import dev.tersor.format.EnergyClass;
import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixStatistics;
import dev.tersor.format.QuantizedMatrix;

import java.lang.foreign.Arena;

/**
 * Compressed Shared Elements Row (Wiedemann et al.): each row's columns grouped by value, with
 * each group naming its value in {@code groupValue}, so rows need no padding groups (§1.3 of the
 * methods brief). The arrays are described in {@link GroupedRows}.
 *
 * <p>The implicit value {@code omega[0]} is the most frequent one and may be non-zero; products then
 * use {@code W·x = (W − omega[0])·x + omega[0]·Σx}. Optional per-row scales give
 * {@code W[r][c] = omega[k]·rowScale[r]}.
 */
public final class CserMatrix extends GroupedMatrix {

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

    private CserMatrix(int rowCount, int cols, GroupedRows rows, Arena owner) {
        super(NAME, rowCount, cols, rows, owner);
    }

    /** Encodes {@code source} losslessly. */
    public static CserMatrix encode(QuantizedMatrix source) {
        return encodeGrouped(source, true, CserMatrix::new);
    }

    /** A matrix over an untrusted layout; see {@link GroupedRows#validate} for the checks. */
    public static CserMatrix fromLayout(Layout layout, Arena owner) {
        return readGrouped(layout, NAME, true, owner, CserMatrix::new);
    }
}
