package dev.tersor.embed;

import java.util.Objects;

/**
 * Per-call choices for {@link Embedder#embed(java.util.List, EmbedSettings)}: what the integrations
 * (an OpenAI-style server, LangChain4j) let a caller ask for on one request.
 *
 * @param prefix     text put before every input, such as a retrieval model's {@code "query: "}; empty for none
 * @param dimensions how many leading components to keep (Matryoshka truncation, renormalized when the
 *                   embedder normalizes), or 0 for all of them
 * @param truncate   whether a text longer than the model takes is cut to fit; when false such a text is
 *                   a {@link TextTooLongException}
 */
public record EmbedSettings(String prefix, int dimensions, boolean truncate) {

    /** No prefix, every dimension, long texts truncated: what {@link Embedder#embed(java.util.List)} does. */
    public static final EmbedSettings DEFAULT = new EmbedSettings("", 0, true);

    public EmbedSettings {
        Objects.requireNonNull(prefix, "prefix");
        if (dimensions < 0) {
            throw new IllegalArgumentException("dimensions must be positive, or 0 for all: " + dimensions);
        }
    }

    public EmbedSettings withPrefix(String value) {
        return new EmbedSettings(value, dimensions, truncate);
    }

    public EmbedSettings withDimensions(int value) {
        return new EmbedSettings(prefix, value, truncate);
    }

    public EmbedSettings withTruncate(boolean value) {
        return new EmbedSettings(prefix, dimensions, value);
    }
}
