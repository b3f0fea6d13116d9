package dev.tersor.format;

/**
 * How {@link EnergyEstimate} counts the operations of one product in a format: which entries it
 * touches, whether it multiplies once per group of equal values, and whether every touched entry
 * costs a codebook look-up. A fact of each {@link MatrixFormat} row.
 */
public enum EnergyClass {
    /** The reference: every entry read, multiplied and added as float32. */
    DENSE(Entries.ALL, false, false),
    /** Every entry unpacked from a few bits and multiplied; no table (bit-packed). */
    PACKED(Entries.ALL, false, false),
    /** The non-zero entries, each with its column index (CSR). */
    SPARSE(Entries.NON_ZERO, false, false),
    /** The entries other than ω0, added per group of equal values, one multiply and look-up per group (CER, CSER). */
    GROUPED(Entries.EXPLICIT, true, false),
    /** Every entry decoded through a codebook look-up (HAM, XOR). */
    CODED(Entries.ALL, false, true),
    /** The entries other than ω0, each decoded through a codebook look-up (sHAM). */
    SPARSE_CODED(Entries.EXPLICIT, false, true);

    /** Which entries a product reads x for. */
    enum Entries { ALL, NON_ZERO, EXPLICIT }

    private final Entries entries;
    private final boolean grouped;
    private final boolean coded;

    EnergyClass(Entries entries, boolean grouped, boolean coded) {
        this.entries = entries;
        this.grouped = grouped;
        this.coded = coded;
    }

    /** Entries one product touches, for a matrix with statistics {@code s}. */
    long storedEntries(MatrixStatistics s) {
        return switch (entries) {
            case ALL -> s.entries();
            case NON_ZERO -> s.entries() - s.zeros();
            case EXPLICIT -> s.explicitEntries();
        };
    }

    boolean grouped() {
        return grouped;
    }

    boolean coded() {
        return coded;
    }
}
