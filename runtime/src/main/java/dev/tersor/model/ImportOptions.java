package dev.tersor.model;

import dev.tersor.graph.compile.WeightEncoder;

import java.util.Objects;

/** How an import stores weights: the encoder that picks each matrix's format (dense by default). */
public record ImportOptions(WeightEncoder encoder) {

    public ImportOptions {
        Objects.requireNonNull(encoder, "encoder");
    }

    public static ImportOptions defaults() {
        return new ImportOptions(WeightEncoder.dense());
    }
}
