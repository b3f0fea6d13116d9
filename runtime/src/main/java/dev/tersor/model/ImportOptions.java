package dev.tersor.model;

import dev.tersor.graph.compile.WeightEncoder;

import java.util.Objects;

/**
 * How an import stores weights: the encoder that places each matrix once the compile passes are
 * done (dense by default; {@code WeightEncoder.of(FormatPolicy)} for the placement policy that
 * compression and loading share).
 */
public record ImportOptions(WeightEncoder encoder) {

    public ImportOptions {
        Objects.requireNonNull(encoder, "encoder");
    }

    public static ImportOptions defaults() {
        return new ImportOptions(WeightEncoder.dense());
    }
}
