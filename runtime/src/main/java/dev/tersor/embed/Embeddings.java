package dev.tersor.embed;

import java.util.Objects;

/**
 * The result of one {@link Embedder#embed(java.util.List, EmbedSettings)} call: a vector per text, in
 * order, and how many tokens of each text the model read (special tokens included, after truncation),
 * which is what an API bills as usage.
 */
public record Embeddings(float[][] vectors, int[] tokenCounts) {

    public Embeddings {
        Objects.requireNonNull(vectors, "vectors");
        Objects.requireNonNull(tokenCounts, "tokenCounts");
        if (vectors.length != tokenCounts.length) {
            throw new IllegalArgumentException(vectors.length + " vectors but " + tokenCounts.length + " token counts");
        }
        vectors = vectors.clone();
        tokenCounts = tokenCounts.clone();
    }

    @Override
    public float[][] vectors() {
        return vectors.clone();
    }

    @Override
    public int[] tokenCounts() {
        return tokenCounts.clone();
    }

    /** Tokens over all texts. */
    public long totalTokens() {
        long total = 0;
        for (int count : tokenCounts) {
            total += count;
        }
        return total;
    }
}
