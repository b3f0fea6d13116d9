package dev.tersor.format;

/** Shannon entropy of a distribution given by counts, as the statistics and estimates of codes use it. */
public final class Entropy {

    private Entropy() {
    }

    /**
     * Bits per symbol when symbol {@code i} occurs {@code counts[i]} times out of {@code total}
     * (0 for an empty distribution). Summed in index order, so equal counts give equal bits.
     */
    public static double bits(long[] counts, long total) {
        double h = 0;
        for (long count : counts) {
            if (count > 0) {
                double p = (double) count / total;
                h -= p * Math.log(p) / Math.log(2);
            }
        }
        return h;
    }
}
