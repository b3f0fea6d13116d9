package dev.tersor.format.cer;

import dev.tersor.format.EnergyClass;
import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.cser.CserMatrix;
import dev.tersor.format.cser.GroupedMatrix;
import dev.tersor.format.cser.GroupedRows;

import java.lang.foreign.Arena;

/**
 * Compressed Entropy Row (Wiedemann et al.): each row's columns grouped by value in global
 * frequency order, with the value of each group implicit in its position (§1.3 of the methods
 * brief). A row lacking a value stores an empty group for it. The arrays are described in {@link GroupedRows}.
 *
 * <p>The implicit value {@code omega[0]} is the most frequent one and may be non-zero; products then
 * use {@code W·x = (W − omega[0])·x + omega[0]·Σx}. Optional per-row scales give
 * {@code W[r][c] = omega[k]·rowScale[r]}.
 */
public final class CerMatrix extends GroupedMatrix {

    public static final String NAME = "cer";

    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("compressed entropy row: columns grouped by value, values implicit by position")
            .encoder(CerMatrix::encode)
            .reader(CerMatrix::fromLayout)
            .cost(CserMatrix::groupedCost)
            .energy(EnergyClass.GROUPED)
            // its value order is per row, so it needs the codebook CSER keeps; CSER is the load target
            .loadTarget(MatrixFormat.LoadTarget.NEVER)
            .build();

    private CerMatrix(int rowCount, int cols, GroupedRows rows, Arena owner) {
        super(NAME, rowCount, cols, rows, owner);
    }

    /** Encodes {@code source} losslessly. */
    public static CerMatrix encode(QuantizedMatrix source) {
        return encodeGrouped(source, false, CerMatrix::new);
    }

    /** A matrix over an untrusted layout; see {@link GroupedRows#validate} for the checks. */
    public static CerMatrix fromLayout(Layout layout, Arena owner) {
        return readGrouped(layout, NAME, false, owner, CerMatrix::new);
    }
}
