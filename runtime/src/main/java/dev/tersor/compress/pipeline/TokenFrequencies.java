package dev.tersor.compress.pipeline;

import java.util.Arrays;
import java.util.List;

/**
 * How often each token id occurs in calibration text, and the step factors that follow from it for
 * a word-embedding table (compression-anchors.md, "Embedding rows: frequency matters most").
 *
 * <p>A row's error reaches the output only when its token occurs, so its importance is about its
 * frequency f; the step that balances error against bits is then proportional to 1/√f. Calibration
 * text sees a few thousand distinct ids at most, so the frequency of the rest comes from a prior:
 * WordPiece vocabularies are built most frequent first, and Zipf's law gives id t a frequency
 * proportional to 1/(t + 1). A token's frequency is the larger of its counted share and the prior.
 */
public final class TokenFrequencies {

    private final long[] counts;
    private final long total;

    private TokenFrequencies(long[] counts, long total) {
        this.counts = counts;
        this.total = total;
    }

    /** Counts of the ids of {@code sentences} (special tokens included) over a vocabulary of {@code vocabulary} ids. */
    public static TokenFrequencies count(List<long[]> sentences, int vocabulary) {
        if (vocabulary < 1) {
            throw new IllegalArgumentException("vocabulary must have at least one id: " + vocabulary);
        }
        long[] counts = new long[vocabulary];
        long total = 0;
        for (long[] ids : sentences) {
            for (long id : ids) {
                if (id < 0 || id >= vocabulary) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocabulary);
                }
                counts[(int) id]++;
                total++;
            }
        }
        return new TokenFrequencies(counts, total);
    }

    /** No calibration text: the prior alone. */
    public static TokenFrequencies none(int vocabulary) {
        return count(List.of(), vocabulary);
    }

    /** Number of ids. */
    public int vocabulary() {
        return counts.length;
    }

    /** Tokens counted. */
    public long total() {
        return total;
    }

    /**
     * The step factor of every row: √(f_ref / f_t), at least 1 and at most {@code maxFactor} (a ceiling on
     * the error of a token no text has shown), where
     * f_ref is the prior frequency of id {@code referenceRank}. Ids up to that rank keep the layer's
     * step; rarer ones get coarser steps, in proportion to how much rarer they are.
     *
     * @param rows rows of the table: ids past the counted vocabulary (rows a tokenizer never produces)
     *             have the prior alone
     */
    public float[] stepFactors(int rows, int referenceRank, double maxFactor) {
        if (referenceRank < 0 || referenceRank >= rows) {
            throw new IllegalArgumentException("reference rank " + referenceRank + " is outside a table of " + rows + " rows");
        }
        if (!(maxFactor >= 1) || Double.isInfinite(maxFactor)) {
            throw new IllegalArgumentException("the largest step factor must be finite and at least 1: " + maxFactor);
        }
        double harmonic = 0;
        for (int t = 0; t < rows; t++) {
            harmonic += 1.0 / (t + 1);
        }
        double reference = prior(referenceRank, harmonic);
        float[] factors = new float[rows];
        for (int t = 0; t < rows; t++) {
            double counted = total == 0 || t >= counts.length ? 0 : (double) counts[t] / total;
            double f = Math.max(prior(t, harmonic), counted);
            factors[t] = (float) Math.clamp(Math.sqrt(reference / f), 1.0, maxFactor);
        }
        return factors;
    }

    private static double prior(int id, double harmonic) {
        return 1.0 / ((id + 1) * harmonic);
    }

    @Override
    public String toString() {
        return "token frequencies over " + counts.length + " ids from " + total + " tokens ("
                + Arrays.stream(counts).filter(c -> c > 0).count() + " distinct)";
    }
}
