package dev.tersor.cli;

import dev.tersor.embed.EmbedderOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options of the commands that embed texts themselves: how the model is read, normalization, batch size. */
final class EmbeddingOptions {

    @Mixin
    ModelReadingOptions model;

    @Option(names = "--no-normalize", description = "Keep the pooled vectors' length (default: scale to unit L2 norm).")
    boolean noNormalize;

    @Option(names = "--batch-size", defaultValue = "32", description = "Texts per model call. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    /** Most texts per model call: one call's activations grow with it. */
    static final int MAX_BATCH_SIZE = 1024;

    /** {@code --tokenizer}, or null for the model's own. */
    Path tokenizer() {
        return model.tokenizer;
    }

    EmbedderOptions embedderOptions() {
        Arguments.inRange("--batch-size", batchSize, 1, MAX_BATCH_SIZE);
        return model.embedderOptions().withNormalize(!noNormalize).withBatchSize(batchSize);
    }
}
