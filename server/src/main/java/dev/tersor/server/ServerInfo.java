package dev.tersor.server;

import java.util.Objects;

/**
 * What the server tells of itself on {@code /info} and {@code /v1/models}.
 *
 * @param modelId        the name the model is served under
 * @param pooling        {@code mean} or {@code cls}
 * @param dimension      length of the model's embeddings
 * @param maxInputLength most tokens per input, special tokens included
 * @param settings       the limits in force
 */
record ServerInfo(String modelId, String pooling, int dimension, int maxInputLength, ServerSettings settings) {

    ServerInfo {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(settings, "settings");
    }
}
