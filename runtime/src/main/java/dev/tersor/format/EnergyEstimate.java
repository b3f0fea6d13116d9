package dev.tersor.format;

/**
 * An <em>estimate</em> of the energy of one matrix-vector product {@code y = W·x} (one token through
 * one layer), from operation counts and array sizes with the 45 nm table of methods.md §1.10
 * (Horowitz, ISSCC 2014, as Wiedemann et al. and the sHAM code use it). It ignores caches shared
 * between layers, prefetching and SIMD, so it ranks formats rather than predicting a measurement.
 *
 * <p>The counts, per format (each format's {@link MatrixFormat#energy()} class says which apply):
 * <ul>
 * <li>weight data: every layout array read once per product, element by element at its width, at
 *     the cost of an array of its size;</li>
 * <li>x: one 32-bit read and one add per stored entry (every entry for dense, HAM, XOR and
 *     bit-packed; the non-ω0 entries for CSR, CER, CSER and sHAM);</li>
 * <li>multiplies: one per entry for dense, HAM, XOR and bit-packed, one per non-zero for CSR and
 *     sHAM, one per group (plus one add) for CER and CSER;</li>
 * <li>codebook look-ups (a 32-bit read from a small table): one per decoded entry for HAM, sHAM and
 *     XOR, one per group for CER and CSER;</li>
 * <li>y: one 32-bit write per row.</li>
 * </ul>
 * An embedding table is not multiplied but looked up: see {@link #ofRowLookup}.
 *
 * @param picojoules      the estimate for {@code w} as stored
 * @param densePicojoules the estimate for the same matrix as dense float32
 */
public record EnergyEstimate(double picojoules, double densePicojoules) {

    static final double ADD32 = 0.9;
    static final double MUL32 = 3.7;

    /** pJ for one read or write of {@code bits} bits from an array of {@code arrayBytes} bytes (§1.10). */
    public static double access(int bits, long arrayBytes) {
        double word32 = arrayBytes <= 8 << 10 ? 5.0 : arrayBytes <= 32 << 10 ? 10.0 : arrayBytes <= 1 << 20 ? 50.0 : 1000.0;
        return word32 * bits / 32.0;
    }

    /** Energy ratio dense / this: how many times less this format is estimated to spend. */
    public double savingFactor() {
        return picojoules == 0 ? 1 : densePicojoules / picojoules;
    }

    /**
     * One row looked up (an embedding table, per token): the row's share of the stored bytes read
     * as 32-bit words from an array of the table's size, one codebook look-up per element for the
     * entropy-coded formats, and one 32-bit write per element.
     */
    public static EnergyEstimate ofRowLookup(WeightMatrix w) {
        long m = Math.max(1, w.rows());
        long n = w.cols();
        double write = n * access(32, 4 * n);
        double dense = n * access(32, 4L * m * n) + write;
        double words = (double) w.byteSize() / m / 4;
        EnergyClass counting = energyClass(w);
        double pj = words * access(32, w.byteSize()) + (counting.coded() ? n * access(32, 1024) : 0) + write;
        return new EnergyEstimate(counting == EnergyClass.DENSE ? dense : pj, dense);
    }

    public static EnergyEstimate of(WeightMatrix w, MatrixStatistics s) {
        long m = w.rows();
        long n = w.cols();
        long entries = m * n;
        double xRead = access(32, 4 * n);
        double yWrite = m * access(32, 4 * m);
        double dense = entries * (MUL32 + ADD32 + access(32, 4 * entries) + xRead) + yWrite;

        EnergyClass counting = energyClass(w);
        double weightReads = 0;
        for (LayoutArray a : w.layout().arrays().values()) {
            int bits = 8 * a.type().bytes();
            long bytes = a.data().byteSize();
            weightReads += (double) bytes / a.type().bytes() * access(Math.min(bits, 32), bytes) * Math.max(1, bits / 32);
        }
        long stored = counting.storedEntries(s);
        double multiplies = counting.grouped() ? s.groups() : stored;
        double adds = stored + (counting.grouped() ? s.groups() : 0);
        double lookups = counting.coded() ? stored : counting.grouped() ? s.groups() : 0;
        double pj = weightReads + stored * xRead + multiplies * MUL32 + adds * ADD32 + lookups * access(32, 1024) + yWrite;
        return new EnergyEstimate(counting == EnergyClass.DENSE ? dense : pj, dense);
    }

    private static EnergyClass energyClass(WeightMatrix w) {
        return MatrixFormats.named(w.formatName()).energy();
    }
}
